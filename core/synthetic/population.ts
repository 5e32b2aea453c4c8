// A seeded synthetic population for demos and scale tests: one FHIR R4 transaction bundle per
// patient, shaped like Synthea's (urn:uuid fullUrls, Organization and Practitioner copies in each
// bundle, the same codes), so it takes the same validate and de-identify path as real uploads.
// Patients come one at a time from a generator, so a million of them never sit in memory, and
// patient i depends only on (seed, i): any slice can be generated on its own, in any order.
import type { FhirBundle, FhirResource } from "#core/fhir/bundle.ts";
import { createRandom, type Random } from "./random.ts";

export type PopulationOptions = {
  seed: string;
  /** How many patients to generate. */
  size: number;
  /** Index of the first patient (default 0): generate patients start … start + size − 1. */
  start?: number;
  /** The day the records end (default 2025-01-01): fixed, so output never depends on the clock. */
  asOf?: Date;
};

export const defaultAsOf = new Date("2025-01-01T00:00:00Z");

const SNOMED = "http://snomed.info/sct";
const LOINC = "http://loinc.org";
const RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
const UCUM = "http://unitsofmeasure.org";
const DAY = 86_400_000;
const YEAR = 365.25 * DAY;

type Coded = { code: string; display: string };
type Medication = Coded;

/** A condition the generator can give a patient: its code, and the medicines that treat it. */
export type ConditionKind =
  | "hypertension"
  | "hyperlipidemia"
  | "diabetes"
  | "prediabetes"
  | "obesity"
  | "coronaryHeartDisease"
  | "myocardialInfarction"
  | "atrialFibrillation"
  | "heartFailure"
  | "nonSmallCellLungCancer"
  | "smallCellLungCancer"
  | "colonCancer"
  | "prostateCancer"
  | "breastCancer"
  | "depression"
  | "anxiety"
  | "asthma";

/** SNOMED CT codes and displays as Synthea writes them, with RxNorm medicines for each. */
export const conditionCatalogue: Record<
  ConditionKind,
  { condition: Coded; medications: Medication[] }
> = {
  hypertension: {
    condition: { code: "38341003", display: "Hypertension" },
    medications: [
      { code: "314076", display: "lisinopril 10 MG Oral Tablet" },
      { code: "197361", display: "Amlodipine 5 MG Oral Tablet" },
      { code: "310798", display: "Hydrochlorothiazide 25 MG Oral Tablet" },
    ],
  },
  hyperlipidemia: {
    condition: { code: "55822004", display: "Hyperlipidemia" },
    medications: [{ code: "312961", display: "Simvastatin 20 MG Oral Tablet" }],
  },
  diabetes: {
    condition: { code: "44054006", display: "Diabetes" },
    medications: [
      {
        code: "860975",
        display: "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet",
      },
    ],
  },
  prediabetes: { condition: { code: "15777000", display: "Prediabetes" }, medications: [] },
  obesity: {
    condition: { code: "162864005", display: "Body mass index 30+ - obesity (finding)" },
    medications: [],
  },
  coronaryHeartDisease: {
    condition: { code: "53741008", display: "Coronary Heart Disease" },
    medications: [
      { code: "309362", display: "Clopidogrel 75 MG Oral Tablet" },
      { code: "705129", display: "Nitroglycerin 0.4 MG/ACTUAT Mucosal Spray" },
    ],
  },
  myocardialInfarction: {
    condition: { code: "22298006", display: "Myocardial Infarction" },
    medications: [{ code: "243670", display: "Aspirin 81 MG Oral Tablet" }],
  },
  atrialFibrillation: {
    condition: { code: "49436004", display: "Atrial Fibrillation" },
    medications: [{ code: "855332", display: "Warfarin Sodium 5 MG Oral Tablet" }],
  },
  heartFailure: {
    condition: { code: "88805009", display: "Chronic congestive heart failure (disorder)" },
    medications: [
      {
        code: "866414",
        display: "24 HR metoprolol succinate 100 MG Extended Release Oral Tablet [Toprol]",
      },
    ],
  },
  nonSmallCellLungCancer: {
    condition: { code: "254637007", display: "Non-small cell lung cancer (disorder)" },
    medications: [],
  },
  smallCellLungCancer: {
    condition: { code: "254632001", display: "Small cell carcinoma of lung (disorder)" },
    medications: [],
  },
  colonCancer: {
    condition: { code: "363406005", display: "Malignant tumor of colon" },
    medications: [
      { code: "1736776", display: "10 ML oxaliplatin 5 MG/ML Injection" },
      { code: "1803932", display: "Leucovorin 100 MG Injection" },
    ],
  },
  prostateCancer: {
    condition: { code: "126906006", display: "Neoplasm of prostate" },
    medications: [],
  },
  breastCancer: {
    condition: { code: "254837009", display: "Malignant neoplasm of breast (disorder)" },
    medications: [],
  },
  depression: {
    condition: { code: "370143000", display: "Major depression disorder" },
    medications: [{ code: "310385", display: "Fluoxetine 20 MG Oral Capsule" }],
  },
  anxiety: { condition: { code: "197480006", display: "Anxiety disorder" }, medications: [] },
  asthma: {
    condition: { code: "195967001", display: "Asthma" },
    medications: [
      { code: "745679", display: "200 ACTUAT Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler" },
    ],
  },
};

// Names, streets and places are made up from common words; any match with a real person is chance.
const givenNames = {
  female: [
    "Mary",
    "Linda",
    "Susan",
    "Karen",
    "Nancy",
    "Lisa",
    "Emily",
    "Sofia",
    "Grace",
    "Chloe",
    "Hannah",
    "Olivia",
    "Amara",
    "Priya",
    "Mei",
    "Lucia",
    "Fatima",
    "Ingrid",
    "Rosa",
    "Naomi",
  ],
  male: [
    "James",
    "Robert",
    "Michael",
    "David",
    "Thomas",
    "Daniel",
    "Mateo",
    "Samuel",
    "Owen",
    "Ethan",
    "Ravi",
    "Kenji",
    "Omar",
    "Luca",
    "Felix",
    "Tobias",
    "Andre",
    "Hugo",
    "Elias",
    "Noah",
  ],
} as const;
const familyNames = [
  "Abernathy",
  "Brightwater",
  "Castellano",
  "Dunmore",
  "Eastwick",
  "Fairbanks",
  "Greenhalgh",
  "Holloway",
  "Ibarra",
  "Jablonski",
  "Kowalczyk",
  "Lindqvist",
  "Moreland",
  "Nakamura",
  "Okonkwo",
  "Pemberton",
  "Quintero",
  "Rasmussen",
  "Sandoval",
  "Thornbury",
  "Underhill",
  "Valdivia",
  "Whitcombe",
  "Yardley",
  "Zielinski",
  "Ashdown",
  "Blackwood",
  "Cardenas",
  "Delacroix",
  "Ellsworth",
];
const streets = [
  "Maple",
  "Harbor",
  "Chestnut",
  "Orchard",
  "Willow",
  "Granite",
  "Meadow",
  "Lantern",
  "Birch",
  "Cranberry",
  "Juniper",
  "Summit",
];
const streetKinds = ["Street", "Road", "Avenue", "Lane", "Way", "Court"];

/** Towns with their real ZIP codes, weighted like Synthea's Massachusetts run; a few small ones
 * elsewhere have the three-digit prefixes Safe Harbor writes as 000. */
const towns: (readonly [{ city: string; state: string; zip: string }, number])[] = [
  [{ city: "Boston", state: "MA", zip: "02108" }, 20],
  [{ city: "Worcester", state: "MA", zip: "01608" }, 10],
  [{ city: "Springfield", state: "MA", zip: "01103" }, 9],
  [{ city: "Cambridge", state: "MA", zip: "02138" }, 8],
  [{ city: "Lowell", state: "MA", zip: "01852" }, 7],
  [{ city: "Quincy", state: "MA", zip: "02169" }, 6],
  [{ city: "Salem", state: "MA", zip: "01970" }, 5],
  [{ city: "Pittsfield", state: "MA", zip: "01201" }, 4],
  [{ city: "Plymouth", state: "MA", zip: "02360" }, 4],
  [{ city: "Newton", state: "MA", zip: "02458" }, 4],
  [{ city: "Rawlins", state: "WY", zip: "82301" }, 1],
  [{ city: "Jackson", state: "WY", zip: "83001" }, 1],
  [{ city: "Ely", state: "NV", zip: "89301" }, 1],
];

const hospitals = [
  { name: "Harborview Community Hospital", city: "Boston", zip: "02114", phone: "617-555-0101" },
  { name: "Northfield Medical Center", city: "Worcester", zip: "01605", phone: "508-555-0102" },
  { name: "Pioneer Valley General", city: "Springfield", zip: "01107", phone: "413-555-0103" },
  { name: "Riverside Family Practice", city: "Lowell", zip: "01854", phone: "978-555-0104" },
  { name: "Bayside Health Partners", city: "Quincy", zip: "02169", phone: "617-555-0105" },
  { name: "Berkshire Hills Clinic", city: "Pittsfield", zip: "01201", phone: "413-555-0106" },
] as const;

const races: (readonly [Coded, number])[] = [
  [{ code: "2106-3", display: "White" }, 72],
  [{ code: "2054-5", display: "Black or African American" }, 9],
  [{ code: "2028-9", display: "Asian" }, 7],
  [{ code: "1002-5", display: "American Indian or Alaska Native" }, 1],
  [{ code: "2131-1", display: "Other Race" }, 11],
];

/** One bundle per patient, lazily: ask for a million and only the current one is in memory. */
export function* generatePopulation(options: PopulationOptions): Generator<FhirBundle> {
  const start = options.start ?? 0;
  for (let index = start; index < start + options.size; index += 1) {
    yield generatePatient(options.seed, index, options.asOf ?? defaultAsOf);
  }
}

/** Patient `index` of the population seeded `seed`: the same bundle whenever it is asked for. */
export function generatePatient(seed: string, index: number, asOf: Date = defaultAsOf): FhirBundle {
  return new PatientBuilder(createRandom(`${seed}#${index}`), asOf.getTime()).build();
}

type Entry = { fullUrl: string; resource: FhirResource; request: { method: "POST"; url: string } };

/** Builds one patient's bundle; a class only to share the random source and entry list. */
class PatientBuilder {
  readonly #random: Random;
  readonly #asOf: number;
  readonly #entries: Entry[] = [];

  constructor(random: Random, asOf: number) {
    this.#random = random;
    this.#asOf = asOf;
  }

  build(): FhirBundle {
    const random = this.#random;
    const female = random.chance(0.51);
    const ageYears = random.weighted<readonly [number, number]>([
      [[0, 17], 22],
      [[18, 34], 23],
      [[35, 49], 19],
      [[50, 64], 19],
      [[65, 79], 12],
      [[80, 99], 5],
    ]);
    const birth =
      this.#asOf - (random.int(ageYears[0], ageYears[1]) * YEAR + random.int(0, 364) * DAY);
    const age = Math.floor((this.#asOf - birth) / YEAR);
    const died =
      age >= 70 && random.chance((age - 70) * 0.004)
        ? this.#asOf - random.int(1, 3 * 365) * DAY
        : null;
    const end = died ?? this.#asOf;
    const ageAtEnd = Math.floor((end - birth) / YEAR);

    const organization = this.#organization();
    const practitioner = this.#practitioner();
    const patient = this.#patient(female, birth, died, ageAtEnd);
    const care = { patient, organization, practitioner };

    // A body-mass baseline drives obesity, and through it blood pressure and diabetes risk.
    const adult = ageAtEnd >= 18;
    const bmi = adult
      ? clamp(random.normal(27.5, 5), 16, 55)
      : clamp(random.normal(17.5, 2.5), 13, 32);
    const kinds = this.#conditions(female, ageAtEnd, bmi);
    const has = (kind: ConditionKind) => kinds.includes(kind);

    for (const kind of kinds) {
      const earliest = birth + (kind === "asthma" ? 2 : 18) * YEAR;
      const onset = Math.max(earliest, end - random.int(0, 20 * 365) * DAY);
      const encounter = this.#encounter(care, onset, "185347001", "Encounter for problem", kind);
      const condition = this.#condition(care, encounter, kind, onset);
      for (const medication of conditionCatalogue[kind].medications) {
        if (random.chance(0.8)) this.#medication(care, encounter, condition, medication, onset);
      }
    }

    // Check-ups over the last eight years (fewer for the young), each with vital signs and labs.
    const heightCm = this.#adultHeight(female);
    for (let yearsBack = Math.min(ageAtEnd, 7); yearsBack >= 0; yearsBack -= 1) {
      if (!random.chance(ageAtEnd >= 65 ? 0.9 : 0.7)) continue;
      const when = end - yearsBack * YEAR - random.int(0, 300) * DAY;
      if (when <= birth) continue;
      const ageThen = (when - birth) / YEAR;
      const encounter = this.#encounter(
        care,
        when,
        "185349003",
        "Encounter for check up (procedure)",
      );
      const height = ageThen >= 18 ? heightCm : childHeight(ageThen, heightCm);
      const visitBmi = clamp(bmi + random.normal(0, 0.6), 13, 60);
      this.#quantity(
        care,
        encounter,
        when,
        "vital-signs",
        "8302-2",
        "Body Height",
        round(height, 1),
        "cm",
      );
      this.#quantity(
        care,
        encounter,
        when,
        "vital-signs",
        "29463-7",
        "Body Weight",
        round((visitBmi * height * height) / 10_000, 1),
        "kg",
      );
      this.#quantity(
        care,
        encounter,
        when,
        "vital-signs",
        "39156-5",
        "Body Mass Index",
        round(visitBmi, 1),
        "kg/m2",
      );
      this.#bloodPressure(care, encounter, when, ageThen, has("hypertension"));
      if (ageThen >= 20 && (yearsBack % 2 === 0 || has("hyperlipidemia"))) {
        this.#lipids(care, encounter, when, ageThen, female, has("hyperlipidemia"), visitBmi >= 30);
      }
      if (ageThen >= 18 && (has("diabetes") || has("prediabetes") || random.chance(0.2))) {
        const hba1c = has("diabetes")
          ? clamp(random.normal(7.6, 1.1), 5.7, 14)
          : has("prediabetes")
            ? clamp(random.normal(6.0, 0.2), 5.7, 6.4)
            : clamp(random.normal(5.3, 0.3), 4.0, 5.6);
        this.#quantity(
          care,
          encounter,
          when,
          "laboratory",
          "4548-4",
          "Hemoglobin A1c/Hemoglobin.total in Blood",
          round(hba1c, 1),
          "%",
        );
      }
    }

    return { resourceType: "Bundle", type: "transaction", entry: this.#entries };
  }

  #conditions(female: boolean, age: number, bmi: number): ConditionKind[] {
    const random = this.#random;
    const kinds: ConditionKind[] = [];
    const add = (kind: ConditionKind, probability: number) => {
      if (random.chance(clamp(probability, 0, 1))) kinds.push(kind);
      return kinds.includes(kind);
    };
    if (age >= 2) add("asthma", 0.08);
    if (age < 18) return kinds;
    const years = age - 18;
    const obese = bmi >= 30 && add("obesity", 1);
    const hypertensive = add("hypertension", (0.02 + 0.009 * years) * (obese ? 1.3 : 1));
    add("hyperlipidemia", 0.01 + 0.006 * years);
    if (!add("diabetes", (0.01 + 0.0035 * years) * (obese ? 2 : 1))) {
      add("prediabetes", 0.12 + 0.002 * years);
    }
    if (age >= 40) {
      const coronary = add("coronaryHeartDisease", 0.004 * (age - 40) * (hypertensive ? 1.5 : 1));
      if (coronary) add("myocardialInfarction", 0.3);
      if (age >= 55) add("heartFailure", 0.0015 * (age - 55) * (coronary ? 3 : 1));
    }
    if (age >= 50) add("atrialFibrillation", 0.0025 * (age - 50));
    // Cancers: rare before 30, rising with age.
    const cancerRisk = clamp((age - 30) / 40, 0, 1.5);
    add("nonSmallCellLungCancer", 0.02 * cancerRisk);
    add("smallCellLungCancer", 0.004 * cancerRisk);
    add("colonCancer", 0.012 * cancerRisk);
    if (female) add("breastCancer", 0.05 * cancerRisk);
    else if (age >= 45) add("prostateCancer", 0.06 * cancerRisk);
    add("depression", 0.1);
    add("anxiety", 0.08);
    return kinds;
  }

  #add(resource: FhirResource): string {
    const id = this.#random.uuid();
    resource.id = id;
    const fullUrl = `urn:uuid:${id}`;
    this.#entries.push({
      fullUrl,
      resource,
      request: { method: "POST", url: resource.resourceType },
    });
    return fullUrl;
  }

  #patient(female: boolean, birth: number, died: number | null, age: number): string {
    const random = this.#random;
    const town = random.weighted(towns);
    const race = random.weighted(races);
    const hispanic = random.chance(0.12);
    const given = random.pick(female ? givenNames.female : givenNames.male);
    const family = random.pick(familyNames);
    const resource: FhirResource = {
      resourceType: "Patient",
      extension: [
        {
          url: "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race",
          extension: [
            {
              url: "ombCategory",
              valueCoding: { system: "urn:oid:2.16.840.1.113883.6.238", ...race },
            },
            { url: "text", valueString: race.display },
          ],
        },
        {
          url: "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity",
          extension: [
            {
              url: "ombCategory",
              valueCoding: {
                system: "urn:oid:2.16.840.1.113883.6.238",
                ...(hispanic
                  ? { code: "2135-2", display: "Hispanic or Latino" }
                  : { code: "2186-5", display: "Not Hispanic or Latino" }),
              },
            },
          ],
        },
        {
          url: "http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName",
          valueString: `${random.pick(givenNames.female)} ${random.pick(familyNames)}`,
        },
        {
          url: "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex",
          valueCode: female ? "F" : "M",
        },
      ],
      identifier: [
        {
          type: {
            coding: [{ system: "http://terminology.hl7.org/CodeSystem/v2-0203", code: "MR" }],
          },
          system: "http://hospital.example.org",
          value: random.uuid(),
        },
        {
          type: {
            coding: [{ system: "http://terminology.hl7.org/CodeSystem/v2-0203", code: "SS" }],
          },
          system: "http://hl7.org/fhir/sid/us-ssn",
          value: `999-${digits(random, 2)}-${digits(random, 4)}`,
        },
        ...(age >= 16
          ? [
              {
                type: {
                  coding: [{ system: "http://terminology.hl7.org/CodeSystem/v2-0203", code: "DL" }],
                },
                system: "urn:oid:2.16.840.1.113883.4.3.25",
                value: `S99${digits(random, 7)}`,
              },
            ]
          : []),
      ],
      name: [
        {
          use: "official",
          family,
          given: [given],
          ...(age >= 18 ? { prefix: [female ? "Ms." : "Mr."] } : {}),
        },
      ],
      telecom: [
        { system: "phone", value: `555-${digits(random, 3)}-${digits(random, 4)}`, use: "home" },
      ],
      gender: female ? "female" : "male",
      birthDate: isoDate(birth),
      ...(died === null ? {} : { deceasedDateTime: isoDateTime(died) }),
      address: [
        {
          line: [`${random.int(1, 999)} ${random.pick(streets)} ${random.pick(streetKinds)}`],
          city: town.city,
          state: town.state,
          postalCode: town.zip,
          country: "US",
        },
      ],
      maritalStatus: {
        coding: [
          {
            system: "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus",
            code: age >= 25 && random.chance(0.55) ? "M" : "S",
          },
        ],
      },
    };
    return this.#add(resource);
  }

  #organization(): string {
    const hospital = this.#random.pick(hospitals);
    return this.#add({
      resourceType: "Organization",
      identifier: [
        { system: "https://github.com/synthetichealth/synthea", value: this.#random.uuid() },
      ],
      active: true,
      type: [
        {
          coding: [
            {
              system: "http://terminology.hl7.org/CodeSystem/organization-type",
              code: "prov",
              display: "Healthcare Provider",
            },
          ],
        },
      ],
      name: hospital.name,
      telecom: [{ system: "phone", value: hospital.phone }],
      address: [
        {
          line: [`${this.#random.int(1, 400)} Main Street`],
          city: hospital.city,
          state: "MA",
          postalCode: hospital.zip,
          country: "US",
        },
      ],
    });
  }

  #practitioner(): string {
    const random = this.#random;
    const female = random.chance(0.5);
    return this.#add({
      resourceType: "Practitioner",
      identifier: [{ system: "http://hl7.org/fhir/sid/us-npi", value: `9${digits(random, 9)}` }],
      active: true,
      name: [
        {
          family: random.pick(familyNames),
          given: [random.pick(female ? givenNames.female : givenNames.male)],
          prefix: ["Dr."],
        },
      ],
      gender: female ? "female" : "male",
    });
  }

  #encounter(
    care: Care,
    at: number,
    code: string,
    display: string,
    reason?: ConditionKind,
  ): string {
    return this.#add({
      resourceType: "Encounter",
      status: "finished",
      class: { system: "http://terminology.hl7.org/CodeSystem/v3-ActCode", code: "AMB" },
      type: [{ coding: [{ system: SNOMED, code, display }], text: display }],
      subject: { reference: care.patient },
      participant: [{ individual: { reference: care.practitioner } }],
      period: { start: isoDateTime(at), end: isoDateTime(at + 15 * 60_000) },
      ...(reason
        ? {
            reasonCode: [{ coding: [{ system: SNOMED, ...conditionCatalogue[reason].condition }] }],
          }
        : {}),
      serviceProvider: { reference: care.organization },
    });
  }

  #condition(care: Care, encounter: string, kind: ConditionKind, onset: number): string {
    const { code, display } = conditionCatalogue[kind].condition;
    return this.#add({
      resourceType: "Condition",
      clinicalStatus: {
        coding: [
          { system: "http://terminology.hl7.org/CodeSystem/condition-clinical", code: "active" },
        ],
      },
      verificationStatus: {
        coding: [
          {
            system: "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            code: "confirmed",
          },
        ],
      },
      code: { coding: [{ system: SNOMED, code, display }], text: display },
      subject: { reference: care.patient },
      encounter: { reference: encounter },
      onsetDateTime: isoDateTime(onset),
      recordedDate: isoDateTime(onset),
    });
  }

  #medication(
    care: Care,
    encounter: string,
    condition: string,
    medication: Medication,
    at: number,
  ): void {
    this.#add({
      resourceType: "MedicationRequest",
      status: "active",
      intent: "order",
      medicationCodeableConcept: {
        coding: [{ system: RXNORM, ...medication }],
        text: medication.display,
      },
      subject: { reference: care.patient },
      encounter: { reference: encounter },
      authoredOn: isoDateTime(at),
      requester: { reference: care.practitioner },
      reasonReference: [{ reference: condition }],
    });
  }

  #quantity(
    care: Care,
    encounter: string,
    at: number,
    category: "vital-signs" | "laboratory",
    code: string,
    display: string,
    value: number,
    unit: string,
  ): void {
    this.#add({
      ...this.#observation(care, encounter, at, category, code, display),
      valueQuantity: { value, unit, system: UCUM, code: unit },
    });
  }

  #observation(
    care: Care,
    encounter: string,
    at: number,
    category: "vital-signs" | "laboratory",
    code: string,
    display: string,
  ): FhirResource {
    return {
      resourceType: "Observation",
      status: "final",
      category: [
        {
          coding: [
            {
              system: "http://terminology.hl7.org/CodeSystem/observation-category",
              code: category,
              display: category,
            },
          ],
        },
      ],
      code: { coding: [{ system: LOINC, code, display }], text: display },
      subject: { reference: care.patient },
      encounter: { reference: encounter },
      effectiveDateTime: isoDateTime(at),
      issued: isoInstant(at),
    };
  }

  #bloodPressure(
    care: Care,
    encounter: string,
    at: number,
    age: number,
    hypertensive: boolean,
  ): void {
    const random = this.#random;
    const years = Math.max(0, age - 18);
    const systolic =
      age < 18
        ? random.normal(105, 8)
        : random.normal(112 + 0.35 * years + (hypertensive ? 18 : 0), 10);
    const diastolic =
      age < 18
        ? random.normal(65, 6)
        : random.normal(72 + 0.1 * years + (hypertensive ? 10 : 0), 7);
    const component = (code: string, display: string, value: number) => ({
      code: { coding: [{ system: LOINC, code, display }], text: display },
      valueQuantity: { value: Math.round(value), unit: "mm[Hg]", system: UCUM, code: "mm[Hg]" },
    });
    // Synthea R4 codes the panel 55284-4; keeping its code lets one query read both sources.
    this.#add({
      ...this.#observation(care, encounter, at, "vital-signs", "55284-4", "Blood Pressure"),
      component: [
        component("8462-4", "Diastolic Blood Pressure", clamp(diastolic, 40, 130)),
        component("8480-6", "Systolic Blood Pressure", clamp(systolic, 80, 220)),
      ],
    });
  }

  #lipids(
    care: Care,
    encounter: string,
    at: number,
    age: number,
    female: boolean,
    hyperlipidemia: boolean,
    obese: boolean,
  ): void {
    const random = this.#random;
    const total = clamp(
      random.normal(185 + 0.3 * (age - 18) + (hyperlipidemia ? 45 : 0), 28),
      110,
      400,
    );
    const hdl = clamp(random.normal(female ? 58 : 48, 12), 20, 110);
    const triglycerides = clamp(random.normal(120 + (obese ? 40 : 0), 45), 40, 600);
    const ldl = clamp(total - hdl - triglycerides / 5, 30, 300);
    this.#quantity(
      care,
      encounter,
      at,
      "laboratory",
      "2093-3",
      "Total Cholesterol",
      round(total, 1),
      "mg/dL",
    );
    this.#quantity(
      care,
      encounter,
      at,
      "laboratory",
      "2571-8",
      "Triglycerides",
      round(triglycerides, 1),
      "mg/dL",
    );
    this.#quantity(
      care,
      encounter,
      at,
      "laboratory",
      "18262-6",
      "Low Density Lipoprotein Cholesterol",
      round(ldl, 1),
      "mg/dL",
    );
    this.#quantity(
      care,
      encounter,
      at,
      "laboratory",
      "2085-9",
      "High Density Lipoprotein Cholesterol",
      round(hdl, 1),
      "mg/dL",
    );
  }

  #adultHeight(female: boolean): number {
    return clamp(this.#random.normal(female ? 163 : 176, female ? 6.5 : 7), 140, 205);
  }
}

type Care = { patient: string; organization: string; practitioner: string };

/** Height in childhood, growing towards the adult height (a rough growth curve, not a chart). */
function childHeight(age: number, adultHeight: number): number {
  const height = 50 + 25 * Math.min(age, 1) + 6.2 * Math.max(0, age - 1);
  return Math.min(height, adultHeight);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function digits(random: Random, count: number): string {
  let text = "";
  for (let i = 0; i < count; i += 1) text += String(random.int(0, 9));
  return text;
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** "2011-10-14T23:37:54+00:00", as Synthea writes dateTimes. */
function isoDateTime(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}+00:00`;
}

function isoInstant(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}.000+00:00`;
}
