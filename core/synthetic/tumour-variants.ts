// Synthetic tumour genomics: Synthea writes no genomic data, but the oncology purpose releases only a
// tumour variant panel, so demos and tests need one. For each cancer a de-identified patient has, a
// panel of somatic (and the odd germline) variants in genes that cancer really carries, at roughly
// the rates it carries them, seeded by the patient's pseudonym so the panel is stable across runs.
// The variants are FHIR Observations in the shape of the HL7 Genomics Reporting "variant" profile,
// so they are stored, encrypted and released like every other resource.
import { createHash } from "node:crypto";
import type { DeidentifiedPatient, DeidentifiedResource } from "#core/custody/patient.ts";
import { createRandom, type Random } from "./random.ts";

export type CancerKind =
  "nonSmallCellLung" | "smallCellLung" | "colorectal" | "prostate" | "breast";

const SNOMED = "http://snomed.info/sct";
const LOINC = "http://loinc.org";
const HGNC = "http://www.genenames.org";
const HGVS = "http://varnomen.hgvs.org";

/** SNOMED CT codes of the cancers Synthea's modules write, by the kind of tumour they are. */
export const cancerKindsByCode: Readonly<Record<string, CancerKind>> = {
  "254637007": "nonSmallCellLung", // Non-small cell lung cancer
  "424132000": "nonSmallCellLung", // Non-small cell carcinoma of lung, TNM stage 1
  "425048006": "nonSmallCellLung", // Non-small cell carcinoma of lung, TNM stage 2
  "422968005": "nonSmallCellLung", // Non-small cell carcinoma of lung, TNM stage 3
  "423121009": "nonSmallCellLung", // Non-small cell carcinoma of lung, TNM stage 4
  "254632001": "smallCellLung", // Small cell carcinoma of lung
  "363406005": "colorectal", // Malignant tumor of colon
  "93761005": "colorectal", // Primary malignant neoplasm of colon
  "94260004": "colorectal", // Secondary malignant neoplasm of colon
  "109838007": "colorectal", // Overlapping malignant neoplasm of colon
  "126906006": "prostate", // Neoplasm of prostate
  "92691004": "prostate", // Carcinoma in situ of prostate
  "314994000": "prostate", // Metastasis from malignant tumor of prostate
  "254837009": "breast", // Malignant neoplasm of breast
};

/** HGNC identifiers of the genes the panels use. */
const hgncIds: Record<string, string> = {
  AKT1: "HGNC:391",
  ALK: "HGNC:427",
  APC: "HGNC:583",
  AR: "HGNC:644",
  ATM: "HGNC:795",
  BRAF: "HGNC:1097",
  BRCA1: "HGNC:1100",
  BRCA2: "HGNC:1101",
  CDH1: "HGNC:1748",
  EGFR: "HGNC:3236",
  ERBB2: "HGNC:3430",
  ESR1: "HGNC:3467",
  FBXW7: "HGNC:16712",
  FOXA1: "HGNC:5021",
  GATA3: "HGNC:4172",
  KEAP1: "HGNC:23177",
  KMT2D: "HGNC:7133",
  KRAS: "HGNC:6407",
  MET: "HGNC:7029",
  NOTCH1: "HGNC:7881",
  PIK3CA: "HGNC:8975",
  PTEN: "HGNC:9588",
  RB1: "HGNC:9884",
  SMAD4: "HGNC:6770",
  SPOP: "HGNC:11254",
  STK11: "HGNC:11389",
  TP53: "HGNC:11998",
};

/** A protein change: HGVS with three-letter amino acids, and the short form clinicians say. */
type Variant = { gene: string; hgvs: string; short: string; germline?: boolean };
/** Alterations that rarely occur together (the driver of a tumour): at most one is drawn. */
type ExclusiveGroup = { kind: "exclusive"; options: readonly (readonly [Variant, number])[] };
/** An alteration drawn on its own, with the given probability. */
type Independent = { kind: "independent"; probability: number; variants: readonly Variant[] };
type PanelRule = ExclusiveGroup | Independent;

const v = (gene: string, hgvs: string, short: string, germline = false): Variant => ({
  gene,
  hgvs,
  short,
  ...(germline ? { germline } : {}),
});

const tp53Hotspots = [
  v("TP53", "p.Arg175His", "R175H"),
  v("TP53", "p.Arg248Gln", "R248Q"),
  v("TP53", "p.Arg248Trp", "R248W"),
  v("TP53", "p.Arg273His", "R273H"),
  v("TP53", "p.Arg273Cys", "R273C"),
  v("TP53", "p.Tyr220Cys", "Y220C"),
  v("TP53", "p.Gly245Ser", "G245S"),
  v("TP53", "p.Arg282Trp", "R282W"),
];

/**
 * Rates are approximate frequencies from large tumour sequencing series (TCGA, AACR GENIE), rounded;
 * a synthetic panel needs the right genes at the right order of magnitude, not a cohort's exact
 * figures.
 */
const panels: Record<CancerKind, readonly PanelRule[]> = {
  nonSmallCellLung: [
    {
      kind: "exclusive",
      options: [
        [v("KRAS", "p.Gly12Cys", "G12C"), 0.13],
        [v("KRAS", "p.Gly12Val", "G12V"), 0.06],
        [v("KRAS", "p.Gly12Asp", "G12D"), 0.04],
        [v("EGFR", "p.Leu858Arg", "L858R"), 0.07],
        [v("EGFR", "p.Glu746_Ala750del", "E746_A750del"), 0.08],
        [v("BRAF", "p.Val600Glu", "V600E"), 0.02],
        [v("ALK", "p.Phe1174Leu", "F1174L"), 0.02],
        [v("MET", "p.Asp1010His", "D1010H"), 0.03],
        [v("ERBB2", "p.Tyr772_Ala775dup", "Y772_A775dup"), 0.02],
      ],
    },
    { kind: "independent", probability: 0.5, variants: tp53Hotspots },
    { kind: "independent", probability: 0.15, variants: [v("STK11", "p.Gln37Ter", "Q37*")] },
    { kind: "independent", probability: 0.12, variants: [v("KEAP1", "p.Gly333Cys", "G333C")] },
    { kind: "independent", probability: 0.04, variants: [v("PIK3CA", "p.Glu545Lys", "E545K")] },
  ],
  smallCellLung: [
    { kind: "independent", probability: 0.9, variants: tp53Hotspots },
    {
      kind: "independent",
      probability: 0.65,
      variants: [
        v("RB1", "p.Arg320Ter", "R320*"),
        v("RB1", "p.Arg455Ter", "R455*"),
        v("RB1", "p.Arg579Ter", "R579*"),
      ],
    },
    { kind: "independent", probability: 0.1, variants: [v("NOTCH1", "p.Arg1598Ter", "R1598*")] },
    { kind: "independent", probability: 0.08, variants: [v("KMT2D", "p.Arg5432Trp", "R5432W")] },
    { kind: "independent", probability: 0.05, variants: [v("PTEN", "p.Arg130Ter", "R130*")] },
  ],
  colorectal: [
    {
      kind: "independent",
      probability: 0.8,
      variants: [
        v("APC", "p.Arg1450Ter", "R1450*"),
        v("APC", "p.Arg876Ter", "R876*"),
        v("APC", "p.Gln1367Ter", "Q1367*"),
        v("APC", "p.Glu1309AspfsTer4", "E1309fs"),
      ],
    },
    {
      kind: "exclusive",
      options: [
        [v("KRAS", "p.Gly12Asp", "G12D"), 0.14],
        [v("KRAS", "p.Gly12Val", "G12V"), 0.1],
        [v("KRAS", "p.Gly13Asp", "G13D"), 0.08],
        [v("KRAS", "p.Gly12Cys", "G12C"), 0.03],
        [v("BRAF", "p.Val600Glu", "V600E"), 0.1],
      ],
    },
    { kind: "independent", probability: 0.6, variants: tp53Hotspots },
    {
      kind: "independent",
      probability: 0.15,
      variants: [v("PIK3CA", "p.Glu545Lys", "E545K"), v("PIK3CA", "p.His1047Arg", "H1047R")],
    },
    { kind: "independent", probability: 0.12, variants: [v("SMAD4", "p.Arg361His", "R361H")] },
    { kind: "independent", probability: 0.1, variants: [v("FBXW7", "p.Arg465Cys", "R465C")] },
  ],
  prostate: [
    { kind: "independent", probability: 0.3, variants: tp53Hotspots },
    {
      kind: "independent",
      probability: 0.1,
      variants: [v("SPOP", "p.Phe133Val", "F133V"), v("SPOP", "p.Trp131Gly", "W131G")],
    },
    { kind: "independent", probability: 0.1, variants: [v("PTEN", "p.Arg233Ter", "R233*")] },
    { kind: "independent", probability: 0.08, variants: [v("FOXA1", "p.Phe266Leu", "F266L")] },
    { kind: "independent", probability: 0.05, variants: [v("AR", "p.Thr878Ala", "T878A")] },
    {
      kind: "independent",
      probability: 0.06,
      variants: [v("BRCA2", "p.Ser1982ArgfsTer22", "S1982fs", true)],
    },
    { kind: "independent", probability: 0.05, variants: [v("ATM", "p.Arg3008Cys", "R3008C")] },
  ],
  breast: [
    {
      kind: "independent",
      probability: 0.35,
      variants: [
        v("PIK3CA", "p.His1047Arg", "H1047R"),
        v("PIK3CA", "p.Glu545Lys", "E545K"),
        v("PIK3CA", "p.Glu542Lys", "E542K"),
      ],
    },
    { kind: "independent", probability: 0.3, variants: tp53Hotspots },
    {
      kind: "independent",
      probability: 0.1,
      variants: [v("GATA3", "p.Asp336GlyfsTer17", "D336fs")],
    },
    { kind: "independent", probability: 0.1, variants: [v("CDH1", "p.Gln23Ter", "Q23*")] },
    { kind: "independent", probability: 0.05, variants: [v("ESR1", "p.Asp538Gly", "D538G")] },
    { kind: "independent", probability: 0.03, variants: [v("AKT1", "p.Glu17Lys", "E17K")] },
    { kind: "independent", probability: 0.03, variants: [v("ERBB2", "p.Leu755Ser", "L755S")] },
    {
      kind: "independent",
      probability: 0.03,
      variants: [v("BRCA1", "p.Glu23ValfsTer17", "E23fs", true)],
    },
    {
      kind: "independent",
      probability: 0.03,
      variants: [v("BRCA2", "p.Ser1982ArgfsTer22", "S1982fs", true)],
    },
  ],
};

export type TumourVariant = {
  gene: string;
  /** HGVS protein change, e.g. "p.Gly12Cys". */
  hgvs: string;
  /** Variant allele fraction in the tumour sample, 0–1. */
  vaf: number;
  germline: boolean;
};

/** The panel for one tumour: its variants, drawn from `random`. */
export function drawTumourPanel(kind: CancerKind, random: Random): TumourVariant[] {
  // Tumour cells are a fraction of any biopsy; a heterozygous clonal variant shows at half of it.
  const purity = 0.3 + 0.6 * random.next();
  const chosen: Variant[] = [];
  for (const rule of panels[kind]) {
    if (rule.kind === "exclusive") {
      const none = 1 - rule.options.reduce((sum, [, rate]) => sum + rate, 0);
      const pick = random.weighted<Variant | null>([...rule.options, [null, Math.max(0, none)]]);
      if (pick) chosen.push(pick);
    } else if (random.chance(rule.probability)) {
      chosen.push(random.pick(rule.variants));
    }
  }
  // A sequenced tumour with nothing found is real but useless to a demo: TP53 is the most common.
  if (chosen.length === 0) chosen.push(random.pick(tp53Hotspots));

  return chosen.map((variant, i) => {
    let vaf: number;
    if (variant.germline)
      vaf = random.normal(0.5, 0.03); // inherited: in every cell, one copy
    else if (i === 0 || random.chance(0.7)) vaf = (purity / 2) * (0.85 + 0.3 * random.next());
    else vaf = (purity / 2) * (0.1 + 0.5 * random.next()); // subclonal
    if (variant.gene === "TP53" && random.chance(0.5)) vaf = purity * (0.8 + 0.2 * random.next()); // loss of the other copy
    return {
      gene: variant.gene,
      hgvs: variant.hgvs,
      vaf: Math.round(Math.min(1, Math.max(0.01, vaf)) * 1000) / 1000,
      germline: variant.germline === true,
    };
  });
}

/**
 * Variant Observations for every cancer the de-identified patient has, none when they have none.
 * Seeded by the pseudonym and the kind of cancer, so the same patient always gets the same panel.
 */
export function generateTumourVariants(patient: DeidentifiedPatient): DeidentifiedResource[] {
  // One tumour per kind of cancer: a metastasis ("secondary malignant neoplasm of colon") carries
  // its primary's mutations, so it shares the panel, and both conditions' codes link to it.
  const tumours = new Map<CancerKind, { condition: DeidentifiedResource; codes: string[] }>();
  for (const resource of patient.resources) {
    if (resource.resourceType !== "Condition") continue;
    for (const code of resource.codes) {
      const [system, value] = code.split("|");
      const kind = system === SNOMED && value ? cancerKindsByCode[value] : undefined;
      if (!kind || !value) continue;
      const tumour = tumours.get(kind) ?? { condition: resource, codes: [] };
      if (!tumour.codes.includes(value)) tumour.codes.push(value);
      tumours.set(kind, tumour);
    }
  }
  const observations: DeidentifiedResource[] = [];
  for (const [kind, { condition, codes }] of tumours) {
    const random = createRandom(`tumour-variants#${patient.pseudoId}#${kind}`);
    const sampled = sampleDate(condition.resource, random);
    for (const variant of drawTumourPanel(kind, random)) {
      observations.push(variantObservation(patient.pseudoId, kind, codes, variant, sampled));
    }
  }
  return observations;
}

/** The biopsy: a few weeks after the (already shifted) onset, keeping the same time and zone. */
function sampleDate(condition: Record<string, unknown>, random: Random): string | null {
  const onset = condition.onsetDateTime;
  if (typeof onset !== "string") return null;
  const time = Date.parse(onset);
  if (Number.isNaN(time)) return null;
  const sampled = new Date(time + random.int(7, 42) * 86_400_000);
  return `${sampled.toISOString().slice(0, 19)}+00:00`;
}

function variantObservation(
  pseudoId: string,
  kind: CancerKind,
  cancerCodes: string[],
  variant: TumourVariant,
  sampled: string | null,
): DeidentifiedResource {
  const resourceId = createHash("sha256")
    .update(`tumour-variant|${pseudoId}|${kind}|${variant.gene}|${variant.hgvs}`)
    .digest("hex");
  const hgnc = hgncIds[variant.gene] as string;
  const loinc = (code: string, display: string) => ({
    coding: [{ system: LOINC, code, display }],
  });
  const resource: Record<string, unknown> = {
    resourceType: "Observation",
    id: resourceId,
    meta: { profile: ["http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/variant"] },
    status: "final",
    category: [
      {
        coding: [
          {
            system: "http://terminology.hl7.org/CodeSystem/observation-category",
            code: "laboratory",
          },
        ],
      },
    ],
    code: loinc("69548-6", "Genetic variant assessment"),
    subject: { reference: `Patient/${pseudoId}` },
    ...(sampled ? { effectiveDateTime: sampled } : {}),
    valueCodeableConcept: loinc("LA9633-4", "Present"),
    component: [
      {
        code: loinc("48018-6", "Gene studied [ID]"),
        valueCodeableConcept: { coding: [{ system: HGNC, code: hgnc, display: variant.gene }] },
      },
      {
        code: loinc("48005-3", "Amino acid change (pHGVS)"),
        valueCodeableConcept: { coding: [{ system: HGVS, code: variant.hgvs }] },
      },
      {
        code: loinc("81258-6", "Sample variant allelic frequency [NFr]"),
        valueQuantity: { value: variant.vaf, system: "http://unitsofmeasure.org", code: "1" },
      },
      {
        code: loinc("48002-0", "Genomic source class [Type]"),
        valueCodeableConcept: variant.germline
          ? loinc("LA6683-2", "Germline")
          : loinc("LA6684-0", "Somatic"),
      },
    ],
  };
  return {
    resourceId,
    resourceType: "Observation",
    // The cancer's code links the variant to its condition, as care grants and cohorts link by code.
    codes: [
      `${LOINC}|69548-6`,
      `${HGNC}|${hgnc}`,
      ...cancerCodes.map((code) => `${SNOMED}|${code}`),
    ].sort(),
    resource,
  };
}
