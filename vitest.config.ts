import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{core,db,workers,server,app,scripts}/**/*.test.{ts,tsx}"],
    exclude: ["node_modules/**", "e2e/**", "contracts/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Database suites create their own databases; two workers keep PGlite start-ups from starving the CPU.
    maxWorkers: 2,
  },
});
