// What the server hands every loader and action: the services, never a raw environment.
import type { Logger } from "#core/log.ts";
import type { ChainAccess } from "#contracts/system.ts";
import type { Db } from "#db/client.ts";
import type { KekKeyring } from "#workers/custody/kek-keyring.ts";
import type { Keyring } from "#workers/keyring.ts";

export type AppServices = {
  db: Db;
  log: Logger;
  /** Custodians' key-encryption keys and de-identification keys, for ingest. */
  custody: { kekKeyring: KekKeyring; keyring: Keyring };
  /** Every contract, for reads at access time (consent, care grants) and the operator's relaying. */
  chainAccess: ChainAccess;
  /** Signs the session cookie: SESSION_SECRET, or generated once into the data directory. */
  sessionSecret: string;
  /** PUBLIC_ORIGIN: the origin sign-in messages must name; null to trust the request's own. */
  publicOrigin: string | null;
  /** True when the demo is seeded (SEED_DEMO): sign-in then offers the demo patients' keys. */
  demo: boolean;
};

declare module "@remix-run/node" {
  interface AppLoadContext {
    services: AppServices;
  }
}

declare module "@remix-run/server-runtime" {
  interface Future {
    v3_singleFetch: true;
  }
}
