import js from "@eslint/js";
import react from "eslint-plugin-react";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

/** Refuses the raw decrypting reads of db/queries/custody.ts, imported by a path `prefix` matches. */
const decryptedReads = (prefix) => ({
  regex: `${prefix}custody(\\.ts)?$`,
  importNames: ["readCohortRecords", "readPatientRecords"],
  message:
    "Decrypted records are read through workers/custody/minimiser.ts only (chain check, minimise, audit).",
});

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "build/",
      "public/build/",
      ".data/",
      "artifacts/",
      "cache/",
      "contracts/generated/",
      "test-results/",
      "playwright-report/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "error",
    },
  },
  {
    files: ["**/*.tsx"],
    plugins: { react, "react-hooks": reactHooks },
    settings: { react: { version: "detect" } },
    rules: {
      ...react.configs.recommended.rules,
      ...react.configs["jsx-runtime"].rules,
      ...reactHooks.configs.recommended.rules,
    },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // The minimiser is the only way product code reads decrypted health data: it asks the chain, decrypts
    // only the permitted cohort and releases only what the purpose declares. Tests and benchmarks of the
    // storage layer itself may call the raw reads. (core/ is covered by its own, stricter rule below.)
    files: ["**/*.ts", "**/*.tsx"],
    ignores: ["workers/custody/minimiser.ts", "**/*.test.ts", "bench/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [decryptedReads("(^#db/|/)queries/")] }],
    },
  },
  {
    // Beside it in db/queries, "./custody.ts" is the same module.
    files: ["db/queries/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [decryptedReads("(^#db/|/)queries/"), decryptedReads("^\\./")] },
      ],
    },
  },
  {
    // core/ is the pure domain: nothing of the project's outer layers may leak in. node:crypto is
    // the one exception: de-identification needs HMAC-SHA256, and it runs the same everywhere.
    files: ["core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            // A regex, not a group: gitignore-style groups read a leading "#" as a comment.
            {
              regex: "^#(db|contracts|workers|app|server)/",
              message: "core/ imports no outer layer.",
            },
            { group: ["../*"], message: "core/ imports no outer layer; use #core/… inside core." },
            // node:crypto is computation, not I/O: envelope encryption and hashing need it.
            { group: ["node:*", "!node:crypto"], message: "core/ is pure: no I/O modules." },
          ],
        },
      ],
    },
  },
  {
    // Tests of core/ (and their fixture readers) may read the shared test data from disk.
    files: ["core/**/*.test.ts", "core/**/*.fixtures.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: ["#db/*", "#contracts/*", "#workers/*", "#app/*", "#server/*", "../*"] },
      ],
    },
  },
);
