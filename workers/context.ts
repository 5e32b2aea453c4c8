// What every task gets: the database, the chain client, the custodians' keys and a logger.
import type { Logger } from "#core/log.ts";
import type { Db } from "#db/client.ts";
import type { ChainClient } from "#contracts/client.ts";
import type { ChainAccess } from "#contracts/system.ts";
import type { Keyring } from "./keyring.ts";

export type TaskContext = {
  db: Db;
  /** The offer registry's client. */
  chain: ChainClient;
  /** Every contract: tasks build the client they need (consent, ledger …) from it. */
  chainAccess: ChainAccess;
  keyring: Keyring;
  log: Logger;
};
