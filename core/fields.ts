// The de-identified fields a custodian can offer. Purpose-to-field rules build on this list.

export type DatasetField = { id: string; label: string; group: string };

export const datasetFields = [
  { id: "age_band", label: "Age band (5 years, 90+ grouped)", group: "demographics" },
  { id: "sex", label: "Sex", group: "demographics" },
  { id: "zip3", label: "First 3 digits of ZIP", group: "demographics" },
  { id: "blood_pressure", label: "Blood pressure", group: "vitals" },
  { id: "bmi", label: "Body mass index", group: "vitals" },
  { id: "cholesterol", label: "Cholesterol labs", group: "labs" },
  { id: "hba1c", label: "HbA1c", group: "labs" },
  { id: "glucose_cgm", label: "CGM glucose series", group: "labs" },
  { id: "cardiac_conditions", label: "Cardiac conditions", group: "conditions" },
  { id: "cancer_conditions", label: "Cancer conditions", group: "conditions" },
  { id: "tumour_variants", label: "Tumour variant panel", group: "genomics" },
  { id: "medications", label: "Medications", group: "treatment" },
] as const satisfies readonly DatasetField[];

export type DatasetFieldId = (typeof datasetFields)[number]["id"];

export const datasetFieldIds = datasetFields.map((field) => field.id) as [
  DatasetFieldId,
  ...DatasetFieldId[],
];
