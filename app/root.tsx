import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  Form,
  isRouteErrorResponse,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { useEffect, useState, type ReactNode } from "react";
import { getAccount } from "./services/sessions.server.ts";
import styles from "./styles.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: styles },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = () => [{ title: "Consentry" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const signedIn = await getAccount(request, context.services);
  return { account: signedIn?.account ?? null };
}

export function Layout({ children }: { children: ReactNode }) {
  // Marks the page once React runs in the browser (tests wait for it; CSS could use it).
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  // Absent when the root loader itself failed and the error boundary renders.
  const account = useRouteLoaderData<typeof loader>("root")?.account ?? null;
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body data-hydrated={hydrated ? "" : undefined}>
        <header className="site-header">
          <a className="brand" href="/">
            Consentry
          </a>
          <nav aria-label="Main">
            <NavLink to="/offers" end>
              Catalogue
            </NavLink>
            <NavLink to="/custodian/offers/new">Publish an offer</NavLink>
            <NavLink to="/custodian/ingest">Ingest records</NavLink>
            {account ? (
              <NavLink to="/patient">My data</NavLink>
            ) : (
              <NavLink to="/sign-in">Sign in</NavLink>
            )}
          </nav>
          {account && (
            <Form method="post" action="/sign-out" className="session">
              <span className="mono" title={account}>
                {account.slice(0, 6)}…{account.slice(-4)}
              </span>
              <button type="submit" className="link">
                Sign out
              </button>
            </Form>
          )}
        </header>
        <main>{children}</main>
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error)) {
    return (
      <section>
        <h1>
          {error.status} {error.statusText}
        </h1>
        <p>{typeof error.data === "string" ? error.data : "Something went wrong."}</p>
      </section>
    );
  }
  return (
    <section>
      <h1>Something went wrong</h1>
      <p>The error was logged. Try again in a moment.</p>
    </section>
  );
}
