// The patient's journey: sign in with a chain account, see what each custodian holds and every use
// of it, and erase it: a confirmation that says what erasure does, then "Erased on …" for good.
import type { Page } from "@playwright/test";
import { demoPatient, signInPatient } from "./fixtures/patient.ts";
import { expect, test } from "./fixtures/product.ts";

const ST_MARYS = "St Mary's University Hospital";
const ERASED_ON = /^Erased on \d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC$/;

const holding = (page: Page, custodian: string) =>
  page.getByRole("article", { name: custodian, exact: true });
const confirmation = (page: Page) => page.getByRole("region", { name: /^Erase your data at / });

async function waitForHydration(page: Page) {
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
}

test("a patient signs in with a key kept in the browser, erases their data after cancelling once, and it stays erased", async ({
  page,
}) => {
  await page.goto("/patient");
  await expect(page).toHaveURL(/\/sign-in\?redirectTo=%2Fpatient$/);
  await waitForHydration(page);

  await page.getByLabel("Demo patient").selectOption({ label: `${ST_MARYS}: patient 1` });
  await page.getByRole("button", { name: "Use a demo patient" }).click();
  await expect(page).toHaveURL(/\/patient$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Your data");
  await expect(page.getByRole("navigation", { name: "Main" })).toContainText("My data");

  const stMarys = holding(page, ST_MARYS);
  await expect(stMarys).toHaveCount(1);
  await expect(page.getByTestId("holding")).toHaveCount(1);
  await expect(stMarys.getByTestId("holding-status")).toHaveText(
    "Held encrypted, under a key of your own",
  );
  const log = stMarys.getByTestId("access-log-entry");
  await expect(log).toHaveCount(1);
  await expect(log.first()).toContainText(`${ST_MARYS}Stored your records, encrypted`);

  await stMarys.getByRole("link", { name: "Erase my data" }).click();
  await expect(confirmation(page)).toBeVisible();
  await expect(confirmation(page)).toContainText("not the hospital, not researchers, not you");
  await expect(confirmation(page)).toContainText("the chain keeps the pointers");
  await expect(confirmation(page)).toContainText("the access log below stays");
  await expect(confirmation(page)).toContainText("It cannot be undone.");
  await confirmation(page).getByRole("link", { name: "Cancel" }).click();
  await expect(confirmation(page)).toHaveCount(0);
  await expect(stMarys.getByTestId("holding-status")).toHaveText(
    "Held encrypted, under a key of your own",
  );

  await stMarys.getByRole("link", { name: "Erase my data" }).click();
  const eraseButton = page.getByRole("button", { name: "Erase my data for good" });
  await eraseButton.click();
  await expect(confirmation(page).getByRole("alert")).toHaveText("Type ERASE to confirm");
  await expect(stMarys.getByTestId("holding-status")).not.toContainText("Erased");

  await page.getByLabel("Type ERASE to confirm").fill("ERASE");
  await eraseButton.click();
  await expect(stMarys.getByTestId("holding-status")).toHaveText(ERASED_ON);
  await expect(confirmation(page)).toHaveCount(0);
  await expect(stMarys.getByRole("link", { name: "Erase my data" })).toHaveCount(0);

  await page.reload();
  await expect(stMarys.getByTestId("holding-status")).toHaveText(ERASED_ON);
  // The log keeps the storing and adds the erasure, by the patient: the records' key is gone.
  await expect(log).toHaveCount(2);
  await expect(log.first()).toContainText("YouErased: destroyed the key to your records");
  await expect(log.last()).toContainText("Stored your records, encrypted");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.goto("/patient");
  await expect(page).toHaveURL(/\/sign-in\?redirectTo=%2Fpatient$/);
  await waitForHydration(page);
  // The demo key stays in this browser's key store for the next sign-in.
  await expect(page.getByRole("list", { name: "Keys in this browser" })).toContainText(
    `Demo patient 1 of ${ST_MARYS}`,
  );
});

test("a patient without a wallet creates a key in the browser and signs in; nobody holds anything for it yet", async ({
  page,
}) => {
  await page.goto("/sign-in");
  await waitForHydration(page);
  await expect(page.getByText("This browser keeps no key yet.")).toBeVisible();
  await page.getByRole("button", { name: "Create a key in this browser" }).click();
  const keys = page.getByRole("list", { name: "Keys in this browser" });
  await expect(keys.getByRole("button", { name: /^Sign in as 0x[0-9a-fA-F]{4}…/ })).toHaveCount(1);
  await keys.getByRole("button", { name: /^Sign in as / }).click();

  await expect(page).toHaveURL(/\/patient$/);
  await expect(
    page.getByText("No custodian holds records linked to this account yet."),
  ).toBeVisible();
  await expect(page.getByTestId("holding")).toHaveCount(0);
});

test.describe("without JavaScript", () => {
  test.use({
    javaScriptEnabled: false,
    // A confirmation without ERASE is answered 400 by design; Chromium logs the document's status.
    expectedConsoleErrors: [/\/patient\?erase=.*status of 400/],
  });

  test("sign-in says it needs JavaScript; a signed-in patient still erases, and nobody erases another's data", async ({
    page,
    browser,
    baseURL,
  }) => {
    await page.goto("/sign-in");
    await expect(page.getByRole("alert")).toContainText("Signing in needs JavaScript");

    // Another demo patient, in a browser of their own: their holding id is all we take from them.
    const other = await browser.newContext({ baseURL, javaScriptEnabled: false });
    await signInPatient(other.request, baseURL ?? "", demoPatient("northfield", 2));
    const otherPage = await other.newPage();
    await otherPage.goto("/patient");
    const otherHoldingId = (
      (await otherPage.getByTestId("holding").getAttribute("id")) ?? ""
    ).replace(/^holding-/, "");
    expect(otherHoldingId).toMatch(/^[0-9a-f-]{36}$/);

    await signInPatient(page.request, baseURL ?? "", demoPatient("northfield", 1));
    const refused = await page.request.post("/patient", {
      form: { intent: "erase", holdingId: otherHoldingId, confirmation: "ERASE" },
      maxRedirects: 0,
    });
    expect(refused.status()).toBe(404);
    await otherPage.reload();
    await expect(otherPage.getByTestId("holding-status")).toHaveText(
      "Held encrypted, under a key of your own",
    );
    await other.close();

    await page.goto("/patient");
    const northfield = holding(page, "Northfield Cancer Centre");
    await northfield.getByRole("link", { name: "Erase my data" }).click();
    await page.getByRole("button", { name: "Erase my data for good" }).click();
    await expect(confirmation(page).getByRole("alert")).toHaveText("Type ERASE to confirm");
    await page.getByLabel("Type ERASE to confirm").fill("ERASE");
    await page.getByRole("button", { name: "Erase my data for good" }).click();
    await expect(northfield.getByTestId("holding-status")).toHaveText(ERASED_ON);
  });
});
