// What every task gets: the database, the chain client, the custodians' keys and a logger.
import type { Logger } from "#core/log.ts";
import type { Db } from "#db/client.ts";
import type { ChainClient } from "#contracts/client.ts";
import type { Keyring } from "./keyring.ts";

export type TaskContext = {
  db: Db;
  chain: ChainClient;
  keyring: Keyring;
  log: Logger;
};
