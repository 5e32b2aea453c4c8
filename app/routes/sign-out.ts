// Signing out ends the session on the server and clears the cookie.
import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { endSession } from "../services/sessions.server.ts";

export const loader = () => redirect("/");

export async function action({ request, context }: ActionFunctionArgs) {
  const cookie = await endSession(request, context.services);
  return redirect("/sign-in", { headers: { "Set-Cookie": cookie } });
}
