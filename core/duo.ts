// GA4GH Data Use Ontology terms an offer may carry as its primary data use condition.
// Ids, shorthands and labels follow DUO release 2021-02-23; the plain-words line is ours.

export type DuoPermission = {
  id: string;
  shorthand: string;
  label: string;
  plainWords: string;
  needsDisease: boolean;
};

export const duoPermissions = [
  {
    id: "DUO:0000042",
    shorthand: "GRU",
    label: "general research use",
    plainWords: "Any research purpose.",
    needsDisease: false,
  },
  {
    id: "DUO:0000006",
    shorthand: "HMB",
    label: "health or medical or biomedical research",
    plainWords: "Health, medical or biomedical research; not ancestry studies.",
    needsDisease: false,
  },
  {
    id: "DUO:0000007",
    shorthand: "DS",
    label: "disease specific research",
    plainWords: "Research on one named disease only.",
    needsDisease: true,
  },
  {
    id: "DUO:0000011",
    shorthand: "POA",
    label: "population origins or ancestry research only",
    plainWords: "Studies of population origins or ancestry only.",
    needsDisease: false,
  },
] as const satisfies readonly DuoPermission[];

export type DuoPermissionId = (typeof duoPermissions)[number]["id"];

export const duoPermissionIds = duoPermissions.map((term) => term.id) as [
  DuoPermissionId,
  ...DuoPermissionId[],
];

export function findDuoPermission(id: string): DuoPermission | undefined {
  return duoPermissions.find((term) => term.id === id);
}

// Disease codes offered for DUO:0000007 (MONDO ids), the ones our demo data can serve.
export const diseaseCodes = [
  { id: "MONDO:0004992", label: "cancer" },
  { id: "MONDO:0005267", label: "heart disease" },
  { id: "MONDO:0005015", label: "diabetes mellitus" },
] as const;

export type DiseaseCode = (typeof diseaseCodes)[number]["id"];

export const diseaseCodeIds = diseaseCodes.map((code) => code.id) as [
  DiseaseCode,
  ...DiseaseCode[],
];
