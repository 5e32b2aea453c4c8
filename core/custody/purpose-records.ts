// Which stored records a row-level purpose needs, worked out from its column declarations
// (purposes.ts, `reads`): the reader then decrypts only those, not a patient's whole history. The
// minimised rows are the same either way (purpose-records.test.ts holds that).
import { LOINC, observationCodes } from "./clinical-codes.ts";
import type { IngestibleResourceType } from "./patient.ts";
import { purposes, type ColumnDeclaration, type RowPurposeId } from "./purposes.ts";

export type RecordFilter = {
  /** Only records of these resource types. */
  resourceTypes: IngestibleResourceType[];
  /** Only records carrying at least one of these codes ("system|code"). */
  codes: string[];
};

/** The resource types and codes of every record the purpose's columns are computed from. */
export function recordFilterFor(purpose: RowPurposeId): RecordFilter {
  const columns: Record<string, ColumnDeclaration> = purposes[purpose].columns;
  const resourceTypes = new Set<IngestibleResourceType>();
  const codes = new Set<string>();
  for (const { reads } of Object.values(columns)) {
    if (!reads) continue;
    resourceTypes.add(reads.resourceType);
    if (reads.resourceType === "Observation") {
      for (const measure of reads.measures) {
        for (const code of observationCodes[measure]) codes.add(`${LOINC}|${code}`);
      }
    } else {
      for (const code of reads.codes.keys()) codes.add(code);
    }
  }
  return { resourceTypes: [...resourceTypes].sort(), codes: [...codes].sort() };
}
