import { sql } from "drizzle-orm";
import type { LoaderFunctionArgs } from "@remix-run/node";

export async function loader({ context }: LoaderFunctionArgs) {
  await context.services.db.execute(sql`select 1`);
  return Response.json({ ok: true });
}
