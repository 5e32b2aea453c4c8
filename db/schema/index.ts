export * from "./custodians.ts";
export * from "./offers.ts";
export * from "./jobs.ts";
export * from "./chain.ts";
export * from "./custody.ts";
export * from "./audit.ts";
export * from "./sessions.ts";
