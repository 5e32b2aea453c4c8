import js from "@eslint/js";
import react from "eslint-plugin-react";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

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
