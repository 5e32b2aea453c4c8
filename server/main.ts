// Entry point. `node server/main.ts` runs everything in one process (the embedded default);
// `web`, `worker` or `indexer` as argument runs only that part, against DATABASE_URL and CHAIN_RPC_URL.
import { fileURLToPath } from "node:url";
import { ConfigError, parseEnv, type Env } from "./env.ts";
import { createProgress } from "./progress.ts";
import { startRuntime } from "./runtime.ts";
import { startWebServer, type WebServer } from "./web.ts";

type Part = "all" | "web" | "worker" | "indexer";
const parts: Part[] = ["all", "web", "worker", "indexer"];
const rootDir = fileURLToPath(new URL("..", import.meta.url));

function fail(message: string): never {
  process.stderr.write(`\n${message}\n`);
  process.exit(1);
}

function checkPart(part: Part, env: Env) {
  if (part === "all") return;
  if (!env.DATABASE_URL) {
    fail(
      `"${part}" on its own needs DATABASE_URL: the embedded PGlite database is a single connection, ` +
        `so without PostgreSQL web, worker and indexer share one process (npm start).`,
    );
  }
  if (part === "web" && !env.SESSION_SECRET) {
    fail(
      `"web" on its own needs SESSION_SECRET: every web process must sign session cookies with the same secret.`,
    );
  }
  if (!env.CHAIN_RPC_URL) {
    fail(
      `"${part}" on its own needs CHAIN_RPC_URL (and DEPLOYER_PRIVATE_KEY): the embedded chain lives in npm start.`,
    );
  }
}

async function main() {
  const part = (process.argv[2] ?? "all") as Part;
  if (!parts.includes(part)) fail(`Unknown part "${part}": use one of ${parts.join(", ")}.`);

  let env: Env;
  try {
    env = parseEnv(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  checkPart(part, env);

  const started = performance.now();
  process.stdout.write(`Starting Consentry (${part})\n`);
  const progress = createProgress();
  const runtime = await startRuntime(
    env,
    { worker: part === "all" || part === "worker", indexer: part === "all" || part === "indexer" },
    progress,
  );

  let web: WebServer | null = null;
  if (part === "all" || part === "web") {
    try {
      web = await progress.step(`Starting the web server on ${env.HOST}:${env.PORT}`, () =>
        startWebServer({
          services: {
            db: runtime.database.db,
            log: runtime.log.child("web"),
            custody: { kekKeyring: runtime.kekKeyring, keyring: runtime.keyring },
            chainAccess: runtime.chainAccess,
            sessionSecret: runtime.sessionSecret,
            publicOrigin: env.PUBLIC_ORIGIN ?? null,
            demo: env.SEED_DEMO,
          },
          host: env.HOST,
          port: env.PORT,
          rootDir,
        }),
      );
    } catch (error) {
      await runtime.stop();
      throw error;
    }
  }

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    web
      ? `\nConsentry is ready in ${seconds} s: ${web.url}\n` +
          `  catalogue      ${web.url}/offers\n` +
          `  publish offer  ${web.url}/custodian/offers/new (acting as a demo custodian)\n` +
          `  patient        ${web.url}/sign-in${env.SEED_DEMO ? " (demo patients offered)" : ""}\n` +
          `Press Ctrl-C to stop.\n`
      : `\nConsentry ${part} is running (ready in ${seconds} s). Press Ctrl-C to stop.\n`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      process.stderr.write("Stopping already; exiting now.\n");
      process.exit(130);
    }
    stopping = true;
    process.stdout.write(`\n${signal}: stopping Consentry …\n`);
    await web?.close();
    await runtime.stop();
    process.stdout.write("Stopped. Everything is saved; npm start resumes where it left off.\n");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  fail(`Consentry could not start: ${message}`);
});
