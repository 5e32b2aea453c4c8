import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syntheaBundleFiles, syntheaDir } from "#core/fhir/synthea.fixtures.ts";
import { openDatabase } from "#db/client.ts";
import { ensureCustodian } from "#db/queries/custodians.ts";

const script = fileURLToPath(new URL("./ingest.ts", import.meta.url));

describe.skipIf(!syntheaDir)("npm run ingest", () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "consentry-ingest-cli-"));
    const database = await openDatabase({ kind: "pglite", dataDir: join(dataDir, "pglite") });
    await database.migrate();
    await ensureCustodian(database.db, { slug: "st-marys", name: "St Mary's" });
    await database.close();
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const run = (...args: string[]) =>
    spawnSync(process.execPath, [script, ...args], {
      env: {
        PATH: process.env.PATH,
        DATA_DIR: dataDir,
        HOME: process.env.HOME,
        NODE_ENV: "production",
      },
      encoding: "utf8",
      timeout: 60_000,
    });

  it("stores a bundle, and on a broken one exits 1 naming the file and the fault", async () => {
    const good = join(syntheaDir ?? "", "bundles", syntheaBundleFiles()[0] ?? "");
    const broken = join(dataDir, "broken.json");
    await writeFile(broken, '{"resourceType": "Bundle", "type": "transaction", "entry": [');

    const result = run("--custodian", "st-marys", good, broken);
    expect(result.stdout).toMatch(/\[1\/2\] .*\.json: stored \d+ records/);
    expect(result.stdout).toMatch(
      /\[2\/2\] broken\.json: REFUSED\n\s+Bundle: The file is not valid JSON: at line 1/,
    );
    expect(result.stdout).toMatch(/1 stored \(0 already there unchanged\), 1 refused/);
    expect(result.status).toBe(1);
  });

  it("names the known custodians when asked for an unknown one", () => {
    const good = join(syntheaDir ?? "", "bundles", syntheaBundleFiles()[0] ?? "");
    const result = run("--custodian", "nobody", good);
    expect(result.stderr).toContain('No custodian "nobody". Known: st-marys.');
    expect(result.status).toBe(2);
  });
});
