// Issues a single-use sign-in nonce to the browser (POST: every call stores one).
import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { issueSignInChallenge } from "../services/sign-in.server.ts";

export const loader = () => redirect("/sign-in");

export async function action({ context }: ActionFunctionArgs) {
  const challenge = await issueSignInChallenge(context.services);
  return Response.json(challenge, { headers: { "Cache-Control": "no-store" } });
}
