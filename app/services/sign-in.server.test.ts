import { eq } from "drizzle-orm";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "#db/client.ts";
import { sessions, signInNonces } from "#db/schema/sessions.ts";
import { createTestDatabase, engines } from "#db/testing.ts";
import type { AppServices } from "../context.ts";
import {
  getAccount,
  endSession,
  requirePatientAccount,
  sessionCookieHeader,
} from "./sessions.server.ts";
import { expectedSignInSite, issueSignInChallenge, signInWithEthereum } from "./sign-in.server.ts";
import { TEST_CHAIN_ID, testServices } from "./services.fixtures.ts";

const SITE = { domain: "consentry.test:3000", origin: "http://consentry.test:3000" };
const patient = privateKeyToAccount(generatePrivateKey());
const stranger = privateKeyToAccount(generatePrivateKey());

type MessageFields = Partial<Parameters<typeof createSiweMessage>[0]>;

describe.each(engines)("signing in with a chain account on %s", (engine) => {
  let database: Database;
  let services: AppServices;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    services = testServices(database.db);
  });
  afterAll(async () => {
    await database?.close();
  });

  /** A message from the sign-in page as the browser writes it, with a fresh nonce unless given. */
  const writeMessage = async (fields: MessageFields = {}) => {
    const nonce = fields.nonce ?? (await issueSignInChallenge(services)).nonce;
    return createSiweMessage({
      domain: SITE.domain,
      address: patient.address,
      uri: SITE.origin,
      version: "1",
      chainId: TEST_CHAIN_ID,
      nonce,
      issuedAt: new Date(),
      statement: "Sign in to Consentry.",
      ...fields,
    });
  };
  const signIn = (message: string, signature: Hex, expected = SITE) =>
    signInWithEthereum(services, { message, signature, expected });
  const sessionsOf = (address: string) =>
    database.db.select().from(sessions).where(eq(sessions.accountAddress, address.toLowerCase()));
  const nonceOf = (message: string) => /Nonce: (\w+)/.exec(message)?.[1] ?? "";
  const nonceStored = async (nonce: string) =>
    (await database.db.select().from(signInNonces).where(eq(signInNonces.nonce, nonce))).length ===
    1;

  it("starts a seven-day session for the account that signed, and uses the nonce up", async () => {
    const message = await writeMessage();
    const before = Date.now();
    const { account, session } = await signIn(message, await patient.signMessage({ message }));

    expect(account).toBe(patient.address.toLowerCase());
    expect(session.accountAddress).toBe(account);
    const days = (session.expiresAt.getTime() - before) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThan(7.01);
    expect((await sessionsOf(patient.address)).map((row) => row.id)).toContain(session.id);
    expect(await nonceStored(nonceOf(message))).toBe(false);
  });

  it("refuses the same signed message a second time", async () => {
    const message = await writeMessage();
    const signature = await patient.signMessage({ message });
    await signIn(message, signature);
    const count = (await sessionsOf(patient.address)).length;

    await expect(signIn(message, signature)).rejects.toMatchObject({
      status: 401,
      message: expect.stringContaining("used already"),
    });
    expect(await sessionsOf(patient.address)).toHaveLength(count);
  });

  it("refuses a nonce that expired before it was used", async () => {
    const nonce = "expirednonce0000000000000000abcd";
    await database.db
      .insert(signInNonces)
      .values({ nonce, expiresAt: new Date(Date.now() - 1_000) });
    const message = await writeMessage({ nonce });
    await expect(signIn(message, await patient.signMessage({ message }))).rejects.toMatchObject({
      status: 401,
      message: expect.stringContaining("expired"),
    });
  });

  it("refuses a nonce the server never issued", async () => {
    const message = await writeMessage({ nonce: "neverissued000000000000000000000" });
    await expect(signIn(message, await patient.signMessage({ message }))).rejects.toMatchObject({
      status: 401,
    });
  });

  it("refuses a message written more than ten minutes ago", async () => {
    const message = await writeMessage({ issuedAt: new Date(Date.now() - 11 * 60_000) });
    await expect(signIn(message, await patient.signMessage({ message }))).rejects.toMatchObject({
      status: 401,
      message: expect.stringContaining("expired"),
    });
  });

  it("refuses a message past its own expiration time", async () => {
    const message = await writeMessage({
      issuedAt: new Date(Date.now() - 60_000),
      expirationTime: new Date(Date.now() - 1_000),
    });
    await expect(signIn(message, await patient.signMessage({ message }))).rejects.toMatchObject({
      status: 401,
    });
  });

  it("refuses a message signed for another site, and leaves its nonce usable", async () => {
    const message = await writeMessage({ domain: "evil.example", uri: "https://evil.example" });
    await expect(signIn(message, await patient.signMessage({ message }))).rejects.toMatchObject({
      status: 401,
      message: expect.stringContaining("not to consentry.test:3000"),
    });
    expect(await nonceStored(nonceOf(message))).toBe(true);
  });

  it("takes the site from PUBLIC_ORIGIN when set, so a relayed message with a forged Host is refused", async () => {
    // A phishing site's visitor signed a message naming the phishing site; the site relays it here
    // with its own name as the Host header. Only the configured origin counts.
    const deployed = { publicOrigin: "https://consentry.test:3000" };
    expect(expectedSignInSite(deployed, "https://evil.example/sign-in")).toEqual({
      domain: "consentry.test:3000",
      origin: "https://consentry.test:3000",
    });
    const relayed = await writeMessage({ domain: "evil.example", uri: "https://evil.example" });
    await expect(
      signIn(
        relayed,
        await patient.signMessage({ message: relayed }),
        expectedSignInSite(deployed, "https://evil.example/sign-in"),
      ),
    ).rejects.toMatchObject({ status: 401 });
    // Without PUBLIC_ORIGIN (embedded, loopback only), the request's own origin counts.
    expect(expectedSignInSite({ publicOrigin: null }, "http://127.0.0.1:3000/sign-in")).toEqual({
      domain: "127.0.0.1:3000",
      origin: "http://127.0.0.1:3000",
    });
  });

  it("refuses a message naming this site but another origin, or another chain", async () => {
    const otherUri = await writeMessage({ uri: "https://evil.example/sign-in" });
    await expect(
      signIn(otherUri, await patient.signMessage({ message: otherUri })),
    ).rejects.toMatchObject({ status: 401 });
    const otherChain = await writeMessage({ chainId: 1 });
    await expect(
      signIn(otherChain, await patient.signMessage({ message: otherChain })),
    ).rejects.toMatchObject({ status: 401, message: expect.stringContaining("chain 1") });
  });

  it("refuses a message changed after it was signed", async () => {
    const message = await writeMessage();
    const signature = await patient.signMessage({ message });
    const tampered = message.replace("Sign in to Consentry.", "Sign in to Consentry!");
    await expect(signIn(tampered, signature)).rejects.toMatchObject({
      status: 401,
      message: expect.stringContaining("not made by"),
    });
    expect(await nonceStored(nonceOf(message))).toBe(true);
  });

  it("refuses a message naming one account but signed by another", async () => {
    const message = await writeMessage();
    await expect(signIn(message, await stranger.signMessage({ message }))).rejects.toMatchObject({
      status: 401,
    });
    expect(await sessionsOf(stranger.address)).toHaveLength(0);
  });

  it("answers 400 to text that is not a sign-in message, or hides a second field", async () => {
    const signature = await patient.signMessage({ message: "hello" });
    await expect(signIn("hello", signature)).rejects.toMatchObject({ status: 400 });
    const message = await writeMessage();
    const smuggled = `${message}\nURI: https://evil.example`;
    await expect(
      signIn(smuggled, await patient.signMessage({ message: smuggled })),
    ).rejects.toMatchObject({ status: 400 });
  });

  describe("the session cookie", () => {
    const request = (cookie?: string) =>
      new Request(`${SITE.origin}/patient`, { headers: cookie ? { Cookie: cookie } : {} });
    const cookieOf = (setCookie: string) => setCookie.split(";")[0] ?? "";

    it("is httpOnly, SameSite=Lax, holds only the signed session id, and is secure over https", async () => {
      const message = await writeMessage();
      const { session } = await signIn(message, await patient.signMessage({ message }));
      const header = await sessionCookieHeader(request(), services, session);
      expect(header).toMatch(/HttpOnly/);
      expect(header).toMatch(/SameSite=Lax/);
      expect(header).not.toMatch(/Secure/);
      expect(header).not.toContain(patient.address.toLowerCase());
      const overHttps = await sessionCookieHeader(
        new Request("https://consentry.test/patient"),
        services,
        session,
      );
      expect(overHttps).toMatch(/Secure/);
    });

    it("lets the account in, keeps others out, and no longer works after signing out", async () => {
      const message = await writeMessage();
      const { session } = await signIn(message, await patient.signMessage({ message }));
      const cookie = cookieOf(await sessionCookieHeader(request(), services, session));

      expect(await requirePatientAccount(request(cookie), services)).toBe(
        patient.address.toLowerCase(),
      );
      const redirect = await requirePatientAccount(request(), services).catch((e: unknown) => e);
      expect(redirect).toBeInstanceOf(Response);
      expect((redirect as Response).headers.get("Location")).toBe("/sign-in?redirectTo=%2Fpatient");

      // A cookie whose value was changed fails its signature, as does one signed with another secret.
      const forged = cookie.replace(/^(consentry_session=)\w/, "$1A");
      expect(await getAccount(request(forged), services)).toBeNull();
      const signedByAnotherSecret = cookieOf(
        await sessionCookieHeader(
          request(),
          testServices(database.db, { sessionSecret: "another-secret-of-at-least-32-chars!!" }),
          session,
        ),
      );
      expect(await getAccount(request(signedByAnotherSecret), services)).toBeNull();

      const cleared = await endSession(request(cookie), services);
      expect(cleared).toMatch(/Max-Age=0/);
      expect(await getAccount(request(cookie), services)).toBeNull();
      expect((await sessionsOf(patient.address)).map((row) => row.id)).not.toContain(session.id);
    });
  });
});
