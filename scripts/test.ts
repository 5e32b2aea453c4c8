// `npm test`: every suite in order (checks, unit/database/integration, contracts, end-to-end),
// each one's own output shown as it runs, then one summary line over all of them.
import { spawn } from "node:child_process";
import { mkdir, readFile, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { countHardhat, type Counts } from "./test-counts.ts";

type Suite = {
  name: string;
  command: string[];
  /** Reads the suite's counts; a suite without its own counts is one check. */
  count?: (output: string, exitCode: number) => Promise<Counts | null>;
};

const rootDir = fileURLToPath(new URL("..", import.meta.url));
const resultsDir = `${rootDir}test-results`;
const bin = (name: string) => `${rootDir}node_modules/.bin/${name}`;

const suites: Suite[] = [
  { name: "contracts build", command: ["npm", "run", "--silent", "build:contracts"] },
  { name: "lint", command: [bin("eslint"), "--max-warnings=0", "."] },
  { name: "format", command: [bin("prettier"), "--check", "--log-level=warn", "."] },
  { name: "type check", command: [bin("tsc"), "--noEmit", "-p", "."] },
  {
    name: "unit, database and integration (vitest)",
    command: [
      bin("vitest"),
      "run",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${resultsDir}/vitest.json`,
    ],
    count: async () => {
      const report = JSON.parse(await readFile(`${resultsDir}/vitest.json`, "utf8")) as {
        numPassedTests: number;
        numFailedTests: number;
        numPendingTests: number;
        numTodoTests: number;
        numFailedTestSuites: number;
      };
      return {
        passed: report.numPassedTests,
        // A suite that failed to load has no failed tests of its own: count it.
        failed:
          report.numFailedTests + (report.numFailedTests === 0 ? report.numFailedTestSuites : 0),
        skipped: report.numPendingTests + report.numTodoTests,
      };
    },
  },
  {
    name: "contracts (hardhat: solidity and node:test)",
    command: [bin("hardhat"), "test"],
    count: async (output) => countHardhat(output),
  },
  { name: "web build", command: ["npm", "run", "--silent", "build:web"] },
  {
    name: "end-to-end (playwright, chromium)",
    command: [bin("playwright"), "test"],
    count: async () => {
      const report = JSON.parse(await readFile(`${resultsDir}/e2e-report.json`, "utf8")) as {
        stats: { expected: number; unexpected: number; skipped: number; flaky: number };
      };
      return {
        passed: report.stats.expected,
        failed: report.stats.unexpected + report.stats.flaky,
        skipped: report.stats.skipped,
      };
    },
  },
];

function run(command: string[]): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve) => {
    const [file, ...args] = command as [string, ...string[]];
    const child = spawn(file, args, {
      cwd: rootDir,
      stdio: ["ignore", "pipe", "pipe"],
      env: process.env,
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      process.stderr.write(chunk);
    });
    child.on("error", (error) => resolve({ exitCode: 127, output: `${output}\n${error.message}` }));
    child.on("close", (code, signal) => resolve({ exitCode: code ?? (signal ? 128 : 1), output }));
  });
}

async function main() {
  await rm(resultsDir, { recursive: true, force: true });
  await mkdir(resultsDir, { recursive: true });
  const rows: Array<{ name: string; counts: Counts; seconds: number; note?: string }> = [];

  for (const suite of suites) {
    process.stdout.write(`\n━━ ${suite.name} ━━\n`);
    const started = performance.now();
    const { exitCode, output } = await run(suite.command);
    const seconds = (performance.now() - started) / 1000;
    let counts: Counts | null = null;
    let note: string | undefined;
    if (suite.count) {
      try {
        counts = await suite.count(output, exitCode);
      } catch (error) {
        note = `no results to read (${error instanceof Error ? error.message : String(error)})`;
      }
      if (counts && exitCode !== 0 && counts.failed === 0) {
        // The runner failed outside any test (set-up, a crash): that is a failure too.
        counts = { ...counts, failed: 1 };
        note = `exited with ${exitCode} outside the tests`;
      }
    }
    counts ??=
      exitCode === 0 ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 };
    rows.push({ name: suite.name, counts, seconds, note });
  }

  const total = rows.reduce(
    (sum, row) => ({
      passed: sum.passed + row.counts.passed,
      failed: sum.failed + row.counts.failed,
      skipped: sum.skipped + row.counts.skipped,
    }),
    { passed: 0, failed: 0, skipped: 0 },
  );
  process.stdout.write("\n━━ summary ━━\n");
  for (const row of rows) {
    const { passed, failed, skipped } = row.counts;
    process.stdout.write(
      `${failed > 0 ? "✗" : "✓"} ${row.name.padEnd(46)} ${String(passed).padStart(4)} passed ${String(failed).padStart(3)} failed ${String(skipped).padStart(3)} skipped  ${row.seconds.toFixed(1).padStart(6)} s${row.note ? `  (${row.note})` : ""}\n`,
    );
  }
  const skippedPart = total.skipped > 0 ? `, ${total.skipped} skipped` : "";
  process.stdout.write(`${total.passed} passed, ${total.failed} failed${skippedPart}\n`);
  process.exitCode = total.failed > 0 ? 1 : 0;
}

await main();
