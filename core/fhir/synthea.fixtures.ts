// Test fixtures: the Synthea sample bundles under ../shared/data (read in place, never copied in).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

// The shared data sits beside the main checkout (../shared/data); a worktree elsewhere falls back to
// the fixed location every checkout on this machine shares.
const candidates = [
  `${repoRoot}../shared/data/synthea-fhir-r4`,
  "/work/shared/data/synthea-fhir-r4",
];

/** The Synthea folder (bundles/ and shared/), or null when this machine does not have it. */
export const syntheaDir: string | null =
  candidates.find((dir) => existsSync(`${dir}/bundles`)) ?? null;

export const syntheaMissingReason = `the Synthea sample data is absent (looked in ${candidates
  .map((dir) => `${dir}/bundles`)
  .join(" and ")})`;

/** File names of the 60 patient bundles, sorted. */
export function syntheaBundleFiles(): string[] {
  if (!syntheaDir) return [];
  return readdirSync(`${syntheaDir}/bundles`)
    .filter((name) => name.endsWith(".json"))
    .sort();
}

export function readSyntheaBundle(file: string): string {
  return readFileSync(`${syntheaDir}/bundles/${file}`, "utf8");
}

/** The run's Organization and Practitioner lists: bundles with no patient in them. */
export function readSyntheaDirectoryBundles(): { file: string; text: string }[] {
  if (!syntheaDir) return [];
  return readdirSync(`${syntheaDir}/shared`)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((file) => ({ file, text: readFileSync(`${syntheaDir}/shared/${file}`, "utf8") }));
}
