// AppServices for service tests: a real database, a silent logger, and the chain named only by id
// (the services under test read the chain id, never the chain).
import { zeroAddress } from "viem";
import { createLogger } from "#core/log.ts";
import type { ChainAccess } from "#contracts/system.ts";
import type { Db } from "#db/client.ts";
import type { AppServices } from "../context.ts";

export const TEST_CHAIN_ID = 31337;

export function testServices(db: Db, overrides: Partial<AppServices> = {}): AppServices {
  const chainAccess: ChainAccess = {
    rpcUrl: "http://127.0.0.1:9",
    system: {
      chainId: TEST_CHAIN_ID,
      deployBlock: 0n,
      contracts: new Proxy({} as ChainAccess["system"]["contracts"], { get: () => zeroAddress }),
    },
    operatorKey: `0x${"11".repeat(32)}`,
  };
  return {
    db,
    log: createLogger("test", "error", () => {}),
    // Ingest and custody keys are not what these services use; a test that needs them passes its own.
    custody: undefined as unknown as AppServices["custody"],
    chainAccess,
    sessionSecret: "test-session-secret-of-at-least-32-characters",
    publicOrigin: null,
    demo: false,
    ...overrides,
  };
}
