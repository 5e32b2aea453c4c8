// The custodian's journey: publish a dataset offer, watch it reach the chain, and find it again in
// the catalogue, also after the product restarts and with JavaScript switched off.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import { syntheaBundleFiles, syntheaDir } from "#core/fhir/synthea.fixtures.ts";
import { demoCustodians } from "#db/seed.ts";
import { expect, test } from "./fixtures/product.ts";

const seededTitles = demoCustodians.flatMap((custodian) =>
  custodian.offers.map(({ title }) => title),
);
// Registration is a queued job, then a transaction, then the indexer: seconds, not minutes.
const CHAIN_TIMEOUT_MS = 30_000;
const TX_HASH = /^0x[0-9a-f]{64}$/;

type OfferInput = {
  custodian: string;
  title: string;
  description: string;
  fields: string[];
  dataUse: string;
  disease?: string;
  price: string;
};

const cardioOffer = (title: string): OfferInput => ({
  custodian: "Northfield Cancer Centre",
  title,
  description: "Blood pressure and cholesterol for adults treated for heart disease, 2019–2024.",
  fields: ["Blood pressure", "Cholesterol labs"],
  dataUse: "DS: disease specific research",
  disease: "heart disease (MONDO:0005267)",
  price: "420.50",
});

const uniqueTitle = (topic: string) => `${topic} ${randomUUID().slice(0, 8)}`;

const offerCards = (page: Page) => page.getByTestId("offer-card");

const offerCard = (page: Page, title: string) =>
  offerCards(page).filter({ has: page.getByRole("heading", { name: title, exact: true }) });

const fieldErrors = (page: Page) => page.locator("p.field-error[role=alert]");

/** Opens the publish form; with JavaScript on, waits until its scripts can check input in the browser. */
async function openPublishForm(page: Page, { javaScript = true } = {}) {
  await page.goto("/custodian/offers/new");
  // The root layout marks the body once React has hydrated and the form checks input in the browser.
  if (javaScript) await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
}

async function fillOfferForm(page: Page, offer: Partial<OfferInput>) {
  if (offer.custodian) await page.getByLabel("Publish as").selectOption({ label: offer.custodian });
  if (offer.title !== undefined) await page.getByLabel("Title", { exact: true }).fill(offer.title);
  if (offer.description !== undefined) {
    await page.getByLabel("Description", { exact: true }).fill(offer.description);
  }
  const fieldsOffered = page.getByRole("group", { name: "Fields offered" });
  for (const field of offer.fields ?? []) {
    await fieldsOffered.getByLabel(field, { exact: true }).check();
  }
  if (offer.dataUse) {
    await page.getByLabel("Data use condition (GA4GH DUO)").selectOption({ label: offer.dataUse });
  }
  if (offer.disease) {
    await page
      .getByLabel("Disease (disease-specific research only)")
      .selectOption({ label: offer.disease });
  }
  if (offer.price !== undefined) await page.getByLabel("Price (EUR)").fill(offer.price);
}

async function publishOffer(page: Page, offer: OfferInput) {
  await openPublishForm(page);
  await fillOfferForm(page, offer);
  await page.getByRole("button", { name: "Publish offer" }).click();
  await expect(page).toHaveURL(/\/offers\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(offer.title);
}

/** On an offer's page: waits for the chain to confirm it and reads back where it landed. */
async function waitForConfirmation(page: Page) {
  await expect(page.getByTestId("offer-status")).toHaveText("Confirmed on chain", {
    timeout: CHAIN_TIMEOUT_MS,
  });
  const txHash = page.getByTestId("offer-tx");
  await expect(txHash).toHaveText(TX_HASH);
  const block = page.getByTestId("offer-block");
  await expect(block).toHaveText(/^\d+ 0x[0-9a-f]{64}$/);
  const blockText = (await block.textContent()) ?? "";
  return {
    txHash: (await txHash.textContent()) ?? "",
    blockNumber: blockText.split(" ")[0] ?? "",
    blockText,
  };
}

async function expectSeededOffersConfirmed(page: Page) {
  for (const title of seededTitles) {
    const card = offerCard(page, title);
    await expect(card).toHaveCount(1);
    await expect(card.getByTestId("offer-status")).toHaveText("Confirmed on chain", {
      timeout: CHAIN_TIMEOUT_MS,
    });
    await expect(card.getByTestId("offer-tx")).toHaveText(TX_HASH);
  }
}

type OnChain = Awaited<ReturnType<typeof waitForConfirmation>>;

async function expectConfirmedCard(page: Page, title: string, onChain: OnChain) {
  const card = offerCard(page, title);
  await expect(card).toHaveCount(1);
  await expect(card.getByTestId("offer-status")).toHaveText("Confirmed on chain");
  await expect(card.getByTestId("offer-tx")).toHaveText(onChain.txHash);
  await expect(card).toContainText(`Block ${onChain.blockNumber} · transaction`);
}

test("a custodian publishes an offer and sees it confirmed on chain in the catalogue", async ({
  page,
}) => {
  await page.goto("/offers");
  await expect(offerCards(page)).toHaveCount(seededTitles.length);
  await expectSeededOffersConfirmed(page);

  await openPublishForm(page);
  const submissions: string[] = [];
  page.on("request", (request) => {
    if (request.method() === "POST") submissions.push(request.url());
  });
  const title = page.getByLabel("Title", { exact: true });
  await title.focus();
  await title.blur();
  await expect(fieldErrors(page)).toHaveText(["Give the offer a title"]);
  await expect(title).toHaveAccessibleDescription("Give the offer a title");

  const offer = cardioOffer(uniqueTitle("Heart disease blood pressure"));
  const { custodian, description, dataUse, price } = offer;
  await fillOfferForm(page, { custodian, description, dataUse, price });
  await page.getByRole("button", { name: "Publish offer" }).click();
  await expect(fieldErrors(page)).toHaveText([
    "Give the offer a title",
    "Choose at least one field",
    "Disease-specific research needs a disease",
  ]);
  await expect(page).toHaveURL(/\/custodian\/offers\/new$/);

  await fillOfferForm(page, { title: "Ca", fields: ["Blood pressure"] });
  await page.getByRole("button", { name: "Publish offer" }).click();
  await expect(fieldErrors(page)).toHaveText([
    "Title must be at least 3 characters",
    "Disease-specific research needs a disease",
  ]);

  expect(submissions, "the browser held back the invalid form").toEqual([]);

  await page.goto("/offers");
  await expect(offerCards(page), "the rejected offer was not stored").toHaveCount(
    seededTitles.length,
  );

  await publishOffer(page, offer);
  expect(submissions, "the valid form was sent once").toHaveLength(1);
  const onChain = await waitForConfirmation(page);

  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Catalogue" })
    .click();
  await expect(page).toHaveURL(/\/offers$/);
  await expect(offerCards(page)).toHaveCount(seededTitles.length + 1);
  await expectConfirmedCard(page, offer.title, onChain);
  await expectSeededOffersConfirmed(page);
});

test("the published offer is still there after a restart", async ({ page, product }) => {
  const offer = cardioOffer(uniqueTitle("Restart-proof cardiology cohort"));
  await publishOffer(page, offer);
  const onChain = await waitForConfirmation(page);

  await product.restart();

  await page.goto("/offers");
  await expect(offerCards(page), "the demo was not seeded twice").toHaveCount(
    seededTitles.length + 1,
  );
  await expectConfirmedCard(page, offer.title, onChain);
  await expectSeededOffersConfirmed(page);

  await offerCard(page, offer.title).getByRole("link", { name: offer.title }).click();
  await expect(page).toHaveURL(/\/offers\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(offer.title);
  await expect(page.getByTestId("offer-status")).toHaveText("Confirmed on chain");
  await expect(page.getByTestId("offer-tx")).toHaveText(onChain.txHash);
  await expect(page.getByTestId("offer-block")).toHaveText(onChain.blockText);

  // The chain kept its history too: the next offer lands after the first, not on a fresh chain.
  const nextOffer = cardioOffer(uniqueTitle("Post-restart cardiology cohort"));
  await publishOffer(page, nextOffer);
  const nextOnChain = await waitForConfirmation(page);
  expect(Number(nextOnChain.blockNumber)).toBeGreaterThan(Number(onChain.blockNumber));
});

test.describe("without JavaScript", () => {
  test.use({
    javaScriptEnabled: false,
    // Chromium logs any 4xx document, and a rejected form is answered with 400 by design.
    expectedConsoleErrors: [
      /\/custodian\/offers\/new: Failed to load resource: the server responded with a status of 400 /,
    ],
  });

  test("the publish form is checked on the server and still publishes", async ({ page }) => {
    await openPublishForm(page, { javaScript: false });
    const offer = cardioOffer(uniqueTitle("Server-checked cohort"));
    const { disease: _, ...withoutDisease } = offer;
    await fillOfferForm(page, withoutDisease);

    const rejected = page.waitForResponse((response) => response.request().method() === "POST");
    await page.getByRole("button", { name: "Publish offer" }).click();
    expect((await rejected).status()).toBe(400);
    await expect(fieldErrors(page)).toHaveText(["Disease-specific research needs a disease"]);
    await expect(page.getByLabel("Title", { exact: true }), "the input is kept").toHaveValue(
      offer.title,
    );

    await fillOfferForm(page, { disease: offer.disease });
    await page.getByRole("button", { name: "Publish offer" }).click();
    await expect(page).toHaveURL(/\/offers\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(offer.title);

    await page.goto("/offers");
    await expect(offerCards(page)).toHaveCount(seededTitles.length + 1);
    // Without JavaScript nothing polls: the custodian reloads to see the chain catch up.
    await expect(async () => {
      await page.reload();
      await expect(offerCard(page, offer.title).getByTestId("offer-status")).toHaveText(
        "Confirmed on chain",
        { timeout: 1_000 },
      );
    }).toPass({ timeout: CHAIN_TIMEOUT_MS });
  });
});

test.describe("ingesting records", () => {
  test.use({
    // A refused bundle is answered with 422, which Chromium logs as a failed resource.
    expectedConsoleErrors: [/Failed to load resource: the server responded with a status of 422/],
  });

  test("a custodian uploads FHIR bundles: good ones are stored, a broken one is refused with its fault, and a second upload adds nothing", async ({
    page,
  }) => {
    test.skip(!syntheaDir, "the shared Synthea sample is absent");
    const bundles = syntheaBundleFiles()
      .slice(0, 2)
      .map((name) => ({
        name,
        mimeType: "application/json",
        buffer: readFileSync(join(syntheaDir ?? "", "bundles", name)),
      }));
    const broken = {
      name: "broken.json",
      mimeType: "application/json",
      buffer: Buffer.from('{"resourceType": "Bundle", "type": "transaction", "entry": ['),
    };

    await page.goto("/custodian/ingest");
    await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
    await page.getByLabel("Custodian").selectOption({ label: "St Mary's University Hospital" });
    await page.getByLabel("Bundles (.json)").setInputFiles([...bundles, broken]);
    await page.getByRole("button", { name: "Ingest" }).click();

    const rows = page.getByTestId("ingest-result");
    await expect(rows).toHaveCount(3, { timeout: 30_000 });
    await expect(rows.nth(0)).toContainText(/stored\s*\d+ records added, 0 already stored/);
    await expect(rows.nth(1)).toContainText(/stored\s*\d+ records added, 0 already stored/);
    await expect(rows.nth(2)).toContainText("refused");
    await expect(rows.nth(2)).toContainText("The file is not valid JSON: at line 1");

    await page.getByLabel("Bundles (.json)").setInputFiles(bundles);
    await page.getByRole("button", { name: "Ingest" }).click();
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(0)).toContainText(/0 records added, \d+ already stored/);
    await expect(rows.nth(1)).toContainText(/0 records added, \d+ already stored/);
  });
});
