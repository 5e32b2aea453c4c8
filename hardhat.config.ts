// Hardhat 3 build and test setup for the Consentry contracts (compiler runs offline from the npm `solc`).
import { createRequire } from "node:module";

import hardhatToolboxViemPlugin from "@nomicfoundation/hardhat-toolbox-viem";
import { defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  plugins: [hardhatToolboxViemPlugin],
  solidity: {
    version: "0.8.30",
    // solcjs from the pinned npm package: no compiler download, so builds work without network.
    path: require.resolve("solc/soljson.js"),
    settings: {
      optimizer: { enabled: true, runs: 200 },
    },
  },
  paths: {
    sources: { solidity: ["contracts/src"] },
    tests: { solidity: "contracts/test", nodejs: "contracts/test" },
  },
  test: {
    solidity: {
      fuzz: { runs: 256 },
      // Handlers never revert (STYLE.md 17), so a revert is a failure rather than a skipped call.
      invariant: { runs: 64, depth: 50, failOnRevert: true },
    },
  },
});
