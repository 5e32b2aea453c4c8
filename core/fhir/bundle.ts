// The FHIR R4 Bundle shape Consentry reads, and how a reference finds its entry within a bundle.
import type { IngestibleResourceType } from "#core/custody/patient.ts";

export type FhirResource = {
  resourceType: string;
  id?: string;
  [element: string]: unknown;
};

export type BundleEntry = {
  fullUrl?: string;
  resource: FhirResource;
  [element: string]: unknown;
};

export type FhirBundle = {
  resourceType: "Bundle";
  type: "transaction" | "collection";
  entry: BundleEntry[];
  [element: string]: unknown;
};

export type IngestibleResource = FhirResource & { resourceType: IngestibleResourceType };

declare const validated: unique symbol;

/**
 * A bundle that passed `validateBundle`: one patient's record ("patient") or a list of organisations
 * and practitioners ("directory"). Only validation makes one, so de-identification cannot be handed
 * a bundle nobody checked.
 */
export type ValidBundle = Omit<FhirBundle, "entry"> & {
  entry: (BundleEntry & { resource: IngestibleResource })[];
  readonly [validated]: true;
};

export const uuidUrnPattern =
  /^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const fhirIdPattern = /^[A-Za-z0-9\-.]{1,64}$/;
const relativeReferencePattern =
  /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const conditionalReferencePattern = /^[A-Z][A-Za-z]+\?\S+$/;
const absoluteUrlPattern = /^https?:\/\/\S+$/;

/** The id a resource is known by at its source: its `id`, else the UUID of its `urn:uuid` fullUrl. */
export function sourceIdOf(entry: {
  fullUrl?: unknown;
  resource: { id?: unknown };
}): string | null {
  if (typeof entry.resource.id === "string" && entry.resource.id !== "") return entry.resource.id;
  if (typeof entry.fullUrl === "string" && uuidUrnPattern.test(entry.fullUrl)) {
    return entry.fullUrl.slice("urn:uuid:".length);
  }
  return null;
}

export type ReferenceTarget =
  /** An entry of this bundle, by index. */
  | { kind: "entry"; index: number }
  /** A resource contained in the referring resource ("#id"), or the referring resource itself ("#"). */
  | { kind: "contained"; id: string }
  /** A resource outside the bundle: an absolute URL, a relative `Type/id` not in the bundle, or a search. */
  | { kind: "external" }
  /** A `urn:uuid:`/`urn:oid:` that names no entry: such names only mean something inside the bundle. */
  | { kind: "dangling" }
  | { kind: "malformed" };

/** Finds the entry a reference points to, by fullUrl or by `Type/id`. */
export type BundleIndex = {
  resolve(reference: string): ReferenceTarget;
};

export function indexBundle(
  entries: readonly { fullUrl?: unknown; resource?: unknown }[],
): BundleIndex {
  const byFullUrl = new Map<string, number>();
  const byTypeAndId = new Map<string, number>();
  entries.forEach((entry, index) => {
    if (typeof entry.fullUrl === "string" && !byFullUrl.has(entry.fullUrl)) {
      byFullUrl.set(entry.fullUrl, index);
    }
    const resource = entry.resource as { resourceType?: unknown; id?: unknown } | undefined;
    if (typeof resource?.resourceType === "string" && typeof resource.id === "string") {
      const key = `${resource.resourceType}/${resource.id}`;
      if (!byTypeAndId.has(key)) byTypeAndId.set(key, index);
    }
  });

  return {
    resolve(reference) {
      const byUrl = byFullUrl.get(reference);
      if (byUrl !== undefined) return { kind: "entry", index: byUrl };
      if (reference.startsWith("#")) return { kind: "contained", id: reference.slice(1) };
      if (reference.startsWith("urn:uuid:") || reference.startsWith("urn:oid:")) {
        return { kind: "dangling" };
      }
      const relative = relativeReferencePattern.exec(reference);
      if (relative) {
        const index = byTypeAndId.get(`${relative[1]}/${relative[2]}`);
        return index === undefined ? { kind: "external" } : { kind: "entry", index };
      }
      // An absolute URL is an entry only when it is that entry's fullUrl (checked above).
      if (absoluteUrlPattern.test(reference)) return { kind: "external" };
      if (conditionalReferencePattern.test(reference)) return { kind: "external" };
      return { kind: "malformed" };
    },
  };
}
