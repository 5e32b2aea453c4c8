// The clinical code sets purposes and care grants are judged by, as data a reviewer can read: which
// SNOMED CT conditions count as cardiac, which LOINC observations are a blood pressure, which RxNorm
// drugs treat diabetes, and which records are sensitive enough that no grant reaches them by accident.
// Codes are those Synthea and our own generator write, plus the usual ones a hospital export carries.

export const SNOMED = "http://snomed.info/sct";
export const LOINC = "http://loinc.org";
export const RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
export const HGNC = "http://www.genenames.org";

/** A code set: "system|code" strings, each with what the code is. */
export type CodeSet = ReadonlyMap<string, string>;

function codeSet(system: string, entries: Record<string, string>): CodeSet {
  return new Map(Object.entries(entries).map(([code, meaning]) => [`${system}|${code}`, meaning]));
}

export function unionOf(...sets: CodeSet[]): CodeSet {
  return new Map(sets.flatMap((set) => [...set]));
}

// ---- Conditions (SNOMED CT) ----

/** Diseases of the heart and vessels, and the "history of" situations Synthea records after them. */
export const cardiacConditionCodes = codeSet(SNOMED, {
  "49601007": "Disorder of cardiovascular system",
  "56265001": "Heart disease",
  "38341003": "Hypertensive disorder",
  "59621000": "Essential hypertension",
  "414545008": "Ischemic heart disease",
  "53741008": "Coronary arteriosclerosis (coronary heart disease)",
  "22298006": "Myocardial infarction",
  "399211009": "History of myocardial infarction",
  "410429000": "Cardiac arrest",
  "429007001": "History of cardiac arrest",
  "49436004": "Atrial fibrillation",
  "84114007": "Heart failure",
  "88805009": "Chronic congestive heart failure",
  "230690007": "Cerebrovascular accident (stroke)",
});

/** Lipid disorders: risk factors a cardiology study reads beside the cholesterol labs. */
export const lipidDisorderCodes = codeSet(SNOMED, {
  "55822004": "Hyperlipidemia",
  "302870006": "Hypertriglyceridemia",
});

/** Diabetes mellitus and its complications as Synthea codes them. */
export const diabetesMellitusCodes = codeSet(SNOMED, {
  "73211009": "Diabetes mellitus",
  "44054006": "Diabetes mellitus type 2",
  "46635009": "Diabetes mellitus type 1",
  "127013003": "Disorder of kidney due to diabetes mellitus",
  "90781000119102": "Microalbuminuria due to type 2 diabetes mellitus",
  "157141000119108": "Proteinuria due to type 2 diabetes mellitus",
  "368581000119106": "Neuropathy due to type 2 diabetes mellitus",
  "422034002": "Retinopathy due to type 2 diabetes mellitus",
  "1551000119108": "Nonproliferative retinopathy due to type 2 diabetes mellitus",
  "1501000119109": "Proliferative retinopathy due to type 2 diabetes mellitus",
  "97331000119101": "Macular edema and retinopathy due to type 2 diabetes mellitus",
  "60951000119105": "Blindness due to type 2 diabetes mellitus",
});

/** The states before and around diabetes that a diabetes study counts with it. */
export const glycaemicRiskCodes = codeSet(SNOMED, {
  "15777000": "Prediabetes",
  "80394007": "Hyperglycemia",
  "237602007": "Metabolic syndrome X",
});

export const cancerConditionCodes = codeSet(SNOMED, {
  "363346000": "Malignant neoplastic disease",
  "254637007": "Non-small cell lung cancer",
  "424132000": "Non-small cell carcinoma of lung, TNM stage 1",
  "425048006": "Non-small cell carcinoma of lung, TNM stage 2",
  "422968005": "Non-small cell carcinoma of lung, TNM stage 3",
  "423121009": "Non-small cell carcinoma of lung, TNM stage 4",
  "254632001": "Small cell carcinoma of lung",
  "363406005": "Malignant tumor of colon",
  "93761005": "Primary malignant neoplasm of colon",
  "94260004": "Secondary malignant neoplasm of colon",
  "109838007": "Overlapping malignant neoplasm of colon",
  "126906006": "Neoplasm of prostate",
  "92691004": "Carcinoma in situ of prostate",
  "314994000": "Metastasis from malignant tumor of prostate",
  "254837009": "Malignant neoplasm of breast",
});

/** Asthma, which Synthea records as childhood asthma for patients diagnosed young. */
export const asthmaCodes = codeSet(SNOMED, {
  "195967001": "Asthma",
  "233678006": "Childhood asthma",
});

/**
 * Stands in for SNOMED's is-a hierarchy where a grant names a broad code: granting the parent grants
 * every code listed under it (and, in turn, theirs). A "history of" situation sits under the disorder
 * it follows, since for care it is the same illness.
 */
export const conditionSubCodes: ReadonlyMap<string, readonly string[]> = new Map(
  Object.entries({
    "49601007": [...cardiacConditionCodes.keys()].map(bare),
    // Heart disease, not every cardiovascular disorder: hypertension and stroke are vascular.
    "56265001": [
      "414545008",
      "53741008",
      "22298006",
      "399211009",
      "410429000",
      "429007001",
      "49436004",
      "84114007",
      "88805009",
    ],
    "414545008": ["53741008", "22298006", "399211009"],
    "22298006": ["399211009"],
    "410429000": ["429007001"],
    "84114007": ["88805009"],
    "38341003": ["59621000"],
    "73211009": [...diabetesMellitusCodes.keys()].map(bare),
    "44054006": [
      "90781000119102",
      "157141000119108",
      "368581000119106",
      "422034002",
      "1551000119108",
      "1501000119109",
      "97331000119101",
      "60951000119105",
    ],
    "363346000": [...cancerConditionCodes.keys()].map(bare),
    "254637007": ["424132000", "425048006", "422968005", "423121009"],
    "363406005": ["93761005", "94260004", "109838007"],
    "126906006": ["92691004", "314994000"],
    "195967001": ["233678006"],
    "74732009": [...mentalHealthConditionCodesOf().keys()].map(bare),
  }).map(([parent, children]) => [
    `${SNOMED}|${parent}`,
    children.filter((child) => child !== parent).map((child) => `${SNOMED}|${child}`),
  ]),
);

/** A granted code and every code declared under it, transitively. */
export function expandConditionCode(code: string): Set<string> {
  const expanded = new Set<string>();
  const visit = (current: string) => {
    if (expanded.has(current)) return;
    expanded.add(current);
    for (const child of conditionSubCodes.get(current) ?? []) visit(child);
  };
  visit(code);
  return expanded;
}

function bare(code: string): string {
  return code.slice(code.indexOf("|") + 1);
}

// ---- Sensitive records: reached by no grant unless the grant is for them ----

function mentalHealthConditionCodesOf(): CodeSet {
  return codeSet(SNOMED, {
    "74732009": "Mental disorder",
    "35489007": "Depressive disorder",
    "370143000": "Major depressive disorder",
    "36923009": "Major depression, single episode",
    "197480006": "Anxiety disorder",
    "192127007": "Child attention deficit disorder",
    "406506008": "Attention deficit hyperactivity disorder",
    "47505003": "Posttraumatic stress disorder",
    "58214004": "Schizophrenia",
    "13746004": "Bipolar disorder",
    "73595000": "Stress",
    "6471006": "Suicidal thoughts",
  });
}

export const mentalHealthConditionCodes = mentalHealthConditionCodesOf();

export const mentalHealthCodes = unionOf(
  mentalHealthConditionCodes,
  codeSet(RXNORM, {
    "310385": "Fluoxetine 20 MG Oral Capsule",
    "312938": "Sertraline 100 MG Oral Tablet",
    "1091392": "Methylphenidate Hydrochloride 20 MG Oral Tablet",
    "608139": "atomoxetine 100 MG Oral Capsule",
  }),
  codeSet(LOINC, {
    "55757-9": "Patient Health Questionnaire 2 item (PHQ-2)",
    "44249-1": "PHQ-9 quick depression assessment panel",
    "44261-6": "PHQ-9 total score",
    "69737-5": "Generalized anxiety disorder 7 item (GAD-7)",
    "70274-6": "GAD-7 total score",
  }),
);

export const substanceUseCodes = unionOf(
  codeSet(SNOMED, {
    "55680006": "Drug overdose",
    "6525002": "Dependent drug abuse",
    "5602001": "Opioid abuse",
    "7200002": "Alcoholism",
  }),
  codeSet(LOINC, {
    "72109-2": "AUDIT-C alcohol use screening",
    "82667-7": "DAST-10 drug abuse screening total score",
  }),
);

/** HIV, sexual orientation and abuse: sensitive by law in many places, whatever the grant. */
export const sexualHealthAndSafetyCodes = unionOf(
  codeSet(SNOMED, {
    "86406008": "Human immunodeficiency virus infection",
  }),
  codeSet(LOINC, {
    "55277-8": "HIV status",
    "76690-7": "Sexual orientation",
    "28245-9": "Abuse status [OMAHA]",
    "71802-3": "Housing status",
  }),
);

/** Each sensitive category; a grant whose condition codes fall in one opens that one alone. */
export const sensitiveCategories = [
  { id: "mental_health", codes: mentalHealthCodes },
  { id: "substance_use", codes: substanceUseCodes },
  { id: "sexual_health_and_safety", codes: sexualHealthAndSafetyCodes },
] as const;

// ---- Observations (LOINC) ----

export const observationCodes = {
  bloodPressurePanel: ["55284-4", "85354-9"], // Blood pressure systolic & diastolic; BP panel
  systolic: ["8480-6"], // Systolic blood pressure
  diastolic: ["8462-4"], // Diastolic blood pressure
  bmi: ["39156-5"], // Body mass index
  totalCholesterol: ["2093-3"], // Cholesterol [Mass/volume] in Serum or Plasma
  ldl: ["18262-6", "13457-7"], // LDL cholesterol, direct; LDL cholesterol, calculated
  hdl: ["2085-9"], // HDL cholesterol
  triglycerides: ["2571-8"], // Triglyceride [Mass/volume] in Serum or Plasma
  hba1c: ["4548-4", "17856-6"], // Hemoglobin A1c/Hemoglobin.total in Blood (by HPLC)
  glucose: [
    "2339-0", // Glucose [Mass/volume] in Blood
    "2345-7", // Glucose [Mass/volume] in Serum or Plasma
    "41653-7", // Glucose [Mass/volume] in Capillary blood by Glucometer
    "99504-3", // Glucose [Mass/volume] in Interstitial fluid (continuous glucose monitor)
  ],
  ntProBnp: ["33762-6"], // Natriuretic peptide.B prohormone N-Terminal (NT-proBNP)
  troponinI: ["10839-9", "89579-7"], // Troponin I.cardiac; high-sensitivity troponin I
  ejectionFraction: ["10230-1", "8806-2"], // Left ventricular ejection fraction; by 2D echo
  tumourVariant: ["69548-6"], // Genetic variant assessment
} as const;

export type MeasureName = keyof typeof observationCodes;

/**
 * The unit each measure is reported in, conversions from the others hospitals use, and the decimals
 * kept (one unless said): clinical precision, no more, since a value to the last digit can single a
 * patient out across datasets.
 */
export const measureUnits: Partial<
  Record<
    MeasureName,
    { unit: string; decimals?: number; from?: Record<string, (value: number) => number> }
  >
> = {
  systolic: { unit: "mm[Hg]" },
  diastolic: { unit: "mm[Hg]" },
  bmi: { unit: "kg/m2" },
  totalCholesterol: { unit: "mg/dL", from: { "mmol/L": (value) => value * 38.67 } },
  ldl: { unit: "mg/dL", from: { "mmol/L": (value) => value * 38.67 } },
  hdl: { unit: "mg/dL", from: { "mmol/L": (value) => value * 38.67 } },
  triglycerides: { unit: "mg/dL", from: { "mmol/L": (value) => value * 88.57 } },
  hba1c: { unit: "%", from: { "mmol/mol": (value) => value / 10.929 + 2.15 } },
  glucose: { unit: "mg/dL", from: { "mmol/L": (value) => value * 18.016 } },
  ntProBnp: { unit: "pg/mL" },
  troponinI: { unit: "ng/mL", decimals: 3, from: { "ng/L": (value) => value / 1000 } },
  ejectionFraction: { unit: "%" },
};

/** The measurements that belong to a condition's history although FHIR links them to no condition. */
export const conditionMeasures: readonly {
  conditions: CodeSet;
  measures: readonly MeasureName[];
}[] = [
  {
    conditions: unionOf(cardiacConditionCodes, lipidDisorderCodes),
    measures: [
      "bloodPressurePanel",
      "systolic",
      "diastolic",
      "totalCholesterol",
      "ldl",
      "hdl",
      "triglycerides",
      "ntProBnp",
      "troponinI",
      "ejectionFraction",
    ],
  },
  {
    conditions: unionOf(diabetesMellitusCodes, glycaemicRiskCodes),
    measures: ["hba1c", "glucose"],
  },
];

// ---- Medications (RxNorm) ----

/** Drugs that treat diabetes; a prescription whose reason is a diabetes condition counts too. */
export const diabetesMedicationCodes = codeSet(RXNORM, {
  "860975": "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet",
  "861007": "Metformin hydrochloride 500 MG Oral Tablet",
  "106892": "Insulin isophane, human 70 UNT/ML / insulin, regular, human 30 UNT/ML [Humulin 70/30]",
  "865098": "Insulin Lispro 100 UNT/ML Injectable Solution [Humalog]",
  "1373463": "canagliflozin 100 MG Oral Tablet",
  "897122": "3 ML liraglutide 6 MG/ML Pen Injector",
});
