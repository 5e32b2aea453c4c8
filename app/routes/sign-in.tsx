import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useSubmit } from "@remix-run/react";
import { useEffect, useState } from "react";
import { z } from "zod";
import { ServiceError } from "#core/errors.ts";
import { demoPatientKey } from "#core/synthetic/demo-patients.ts";
import { createKey, keepKey, listStoredKeys, type StoredKey } from "../browser/key-store.ts";
import {
  injectedWalletSigner,
  localKeySigner,
  signInMessage,
  type MessageSigner,
} from "../browser/sign-in-with-ethereum.ts";
import { getAccount, safeRedirectPath, sessionCookieHeader } from "../services/sessions.server.ts";
import {
  expectedSignInSite,
  presentSignIn,
  signInWithEthereum,
} from "../services/sign-in.server.ts";

export const meta: MetaFunction = () => [{ title: "Sign in · Consentry" }];

const SignInSchema = z.object({
  intent: z.literal("sign-in", { message: "Unknown action" }),
  message: z
    .string({ required_error: "The signed sign-in message is missing" })
    .min(1, "The signed sign-in message is missing")
    .max(4_000, "The sign-in message is too long"),
  signature: z
    .string({ required_error: "The signature is missing" })
    .regex(/^0x[0-9a-fA-F]{130}$/, "The signature is not a 65-byte hex signature"),
  redirectTo: z.string().optional(),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  const signedIn = await getAccount(request, context.services);
  const redirectTo = safeRedirectPath(new URL(request.url).searchParams.get("redirectTo"));
  return presentSignIn(context.services, { signedInAs: signedIn?.account ?? null, redirectTo });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = SignInSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => issue.message).join("; ");
    return data({ error: `The sign-in was not understood: ${problems}.` }, { status: 400 });
  }
  try {
    const { session } = await signInWithEthereum(context.services, {
      message: parsed.data.message,
      signature: parsed.data.signature as `0x${string}`,
      expected: expectedSignInSite(context.services, request.url),
    });
    return redirect(safeRedirectPath(parsed.data.redirectTo), {
      headers: { "Set-Cookie": await sessionCookieHeader(request, context.services, session) },
    });
  } catch (error) {
    if (error instanceof ServiceError) {
      return data({ error: error.message }, { status: error.status });
    }
    throw error;
  }
}

const shortAddress = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;

export default function SignIn() {
  const { chainId, signedInAs, redirectTo, demoPatients } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const submit = useSubmit();
  // What only the browser knows (its keys, its wallet) is read after hydration, never on the server.
  const [browser, setBrowser] = useState<{ keys: StoredKey[]; wallet: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [demoChoice, setDemoChoice] = useState(
    demoPatients ? `${demoPatients.custodians[0]?.slug}:1` : "",
  );
  useEffect(() => setBrowser({ keys: listStoredKeys(), wallet: Boolean(window.ethereum) }), []);
  useEffect(() => {
    if (actionData) setBusy(false);
  }, [actionData]);

  const signInWith = async (signer: () => Promise<MessageSigner> | MessageSigner) => {
    setBusy(true);
    setProblem(null);
    try {
      const signed = await signInMessage(await signer(), { chainId });
      submit({ intent: "sign-in", ...signed, redirectTo }, { method: "post" });
    } catch (error) {
      setBusy(false);
      setProblem(error instanceof Error ? error.message : String(error));
    }
  };
  const refreshKeys = () => setBrowser((state) => state && { ...state, keys: listStoredKeys() });
  const signInAsDemoPatient = () => {
    const [slug = "", index = "1"] = demoChoice.split(":");
    const custodian = demoPatients?.custodians.find((candidate) => candidate.slug === slug);
    const key = keepKey(
      demoPatientKey(slug, Number(index)),
      `Demo patient ${index} of ${custodian?.name ?? slug}`,
    );
    refreshKeys();
    void signInWith(() => localKeySigner(key.privateKey));
  };

  const error = problem ?? actionData?.error ?? null;
  const disabled = browser === null || busy;
  return (
    <section className="sign-in">
      <h1>Sign in</h1>
      <p className="muted">
        You sign in with a chain account: your browser signs a short message naming this site
        (Sign-In with Ethereum, EIP-4361). Nothing goes to the chain and it costs nothing.
      </p>
      {signedInAs && (
        <p className="notice">
          You are signed in as <span className="mono">{signedInAs}</span>.{" "}
          <Link to="/patient">See your data</Link>.
        </p>
      )}
      <noscript>
        <p className="notice" role="alert">
          Signing in needs JavaScript: your browser signs the message with your key. Switch
          JavaScript on for this site to sign in. Everything after signing in works without it.
        </p>
      </noscript>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}

      <div className="sign-in-options">
        <article className="card">
          <h2>A key kept in this browser</h2>
          <p className="muted">
            For patients without a wallet. The key stays in this browser only: clearing the
            site&apos;s data, or another browser, loses it.
          </p>
          {browser && browser.keys.length > 0 && (
            <ul className="key-list" aria-label="Keys in this browser">
              {browser.keys.map((key) => (
                <li key={key.address}>
                  <button
                    type="button"
                    disabled={disabled}
                    onClick={() => void signInWith(() => localKeySigner(key.privateKey))}
                  >
                    Sign in as {shortAddress(key.address)}
                  </button>{" "}
                  <span className="muted">{key.label}</span>
                </li>
              ))}
            </ul>
          )}
          {browser && browser.keys.length === 0 && <p>This browser keeps no key yet.</p>}
          <button
            type="button"
            className="secondary"
            disabled={disabled}
            onClick={() => {
              createKey();
              refreshKeys();
            }}
          >
            Create a key in this browser
          </button>
        </article>

        <article className="card">
          <h2>Your wallet</h2>
          {browser?.wallet ? (
            <button
              type="button"
              disabled={disabled}
              onClick={() => void signInWith(injectedWalletSigner)}
            >
              Sign in with your wallet
            </button>
          ) : (
            <p className="muted">
              {browser ? "No wallet was found in this browser." : "Looking for a wallet…"}
            </p>
          )}
        </article>

        {demoPatients && (
          <article className="card">
            <h2>A demo patient</h2>
            <p className="muted">
              This demo seeds {demoPatients.perCustodian} synthetic patients per hospital, each with
              a known key. Using one keeps its key in this browser and signs in with it, the same
              way as any other key.
            </p>
            <label htmlFor="demo-patient">Demo patient</label>
            <select
              id="demo-patient"
              value={demoChoice}
              onChange={(event) => setDemoChoice(event.target.value)}
            >
              {demoPatients.custodians.flatMap((custodian) =>
                Array.from({ length: demoPatients.perCustodian }, (_, offset) => (
                  <option
                    key={`${custodian.slug}:${offset + 1}`}
                    value={`${custodian.slug}:${offset + 1}`}
                  >
                    {custodian.name}: patient {offset + 1}
                  </option>
                )),
              )}
            </select>{" "}
            <button type="button" disabled={disabled} onClick={signInAsDemoPatient}>
              Use a demo patient
            </button>
          </article>
        )}
      </div>
      {busy && <p aria-live="polite">Signing in…</p>}
    </section>
  );
}
