// The HTTP server: static assets, then the Remix app with the runtime's services as load context.
import { createServer, type Server } from "node:http";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import type { AppServices } from "#app/context.ts";

export type WebServer = { url: string; close(): Promise<void> };

export type WebServerOptions = {
  services: AppServices;
  host: string;
  port: number;
  rootDir: string;
};

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const buildPath = resolve(options.rootDir, "build/index.js");
  let build: ServerBuild;
  try {
    build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;
  } catch (error) {
    throw new Error(`cannot load the web build at ${buildPath}: run "npm run build" first`, {
      cause: error,
    });
  }

  const app = express();
  app.disable("x-powered-by");
  app.use((_request, response, next) => {
    response.setHeader("X-Content-Type-Options", "nosniff");
    response.setHeader("Referrer-Policy", "same-origin");
    response.setHeader("X-Frame-Options", "DENY");
    next();
  });
  app.use(
    "/build",
    express.static(resolve(options.rootDir, "public/build"), { immutable: true, maxAge: "1y" }),
  );
  app.use(express.static(resolve(options.rootDir, "public"), { maxAge: "1h" }));
  app.all(
    "*",
    createRequestHandler({
      build,
      mode: process.env.NODE_ENV === "development" ? "development" : "production",
      getLoadContext: () => ({ services: options.services }),
    }),
  );

  const server: Server = createServer(app);
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once("error", rejectListen);
    server.listen(options.port, options.host, () => {
      server.off("error", rejectListen);
      resolveListen();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}
