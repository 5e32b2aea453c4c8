import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "./env.ts";

const VALID_KEY = `0x${"ab".repeat(32)}`;

function configError(source: Record<string, string | undefined>): ConfigError {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("parseEnv accepted a bad configuration");
}

describe("parseEnv", () => {
  it("runs embedded with safe defaults when nothing is set", () => {
    expect(parseEnv({})).toEqual({
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: 3000,
      DATA_DIR: ".data",
      dataDir: resolve(".data"),
      SEED_DEMO: true,
      LOG_LEVEL: "info",
      JOB_RETRY_BASE_MS: 1000,
      JOB_RETRY_MAX_MS: 30_000,
      INDEXER_POLL_MS: 1000,
    });
  });

  it("treats an empty variable as unset", () => {
    expect(parseEnv({ PORT: "", DATABASE_URL: "" })).toMatchObject({ PORT: 3000 });
    expect(parseEnv({ DATABASE_URL: "" }).DATABASE_URL).toBeUndefined();
  });

  it("reads numbers, flags and an absolute data directory", () => {
    const env = parseEnv({
      PORT: "8080",
      SEED_DEMO: "0",
      DATA_DIR: "/var/lib/consentry",
      DATABASE_URL: "postgresql://consentry@db:5432/consentry",
      CHAIN_RPC_URL: "http://127.0.0.1:8545",
      DEPLOYER_PRIVATE_KEY: VALID_KEY,
    });
    expect(env).toMatchObject({
      PORT: 8080,
      SEED_DEMO: false,
      dataDir: "/var/lib/consentry",
      DATABASE_URL: "postgresql://consentry@db:5432/consentry",
      CHAIN_RPC_URL: "http://127.0.0.1:8545",
      DEPLOYER_PRIVATE_KEY: VALID_KEY,
    });
  });

  it.each(["abc", "70000", "-1", "80.5"])("reports PORT=%s by name", (port) => {
    const error = configError({ PORT: port });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^PORT /);
    expect(error.message).toContain("PORT");
  });

  it("reports a DATABASE_URL that is not PostgreSQL by name, without its password", () => {
    const error = configError({ DATABASE_URL: "mysql://admin:hunter2-secret@db:3306/consentry" });
    expect(error.problems).toEqual(["DATABASE_URL must be a postgres:// or postgresql:// URL"]);
    expect(error.message).not.toContain("hunter2-secret");
  });

  it("asks for DEPLOYER_PRIVATE_KEY when CHAIN_RPC_URL is set", () => {
    const error = configError({ CHAIN_RPC_URL: "http://127.0.0.1:8545" });
    expect(error.problems).toEqual(["DEPLOYER_PRIVATE_KEY is required when CHAIN_RPC_URL is set"]);
  });

  it("reports a malformed DEPLOYER_PRIVATE_KEY by name and never prints the key", () => {
    const almostKey = `0x${"7e".repeat(31)}7`;
    const error = configError({
      CHAIN_RPC_URL: "http://127.0.0.1:8545",
      DEPLOYER_PRIVATE_KEY: almostKey,
    });
    expect(error.problems).toEqual([
      "DEPLOYER_PRIVATE_KEY must be a 0x-prefixed 32-byte hex private key",
    ]);
    expect(error.message).not.toContain(almostKey);
    expect(error.message).not.toContain("7e7e7e");
    expect(JSON.stringify(error.problems)).not.toContain("7e7e7e");
  });

  it.each([
    "NODE_ENV",
    "PORT",
    "DATABASE_URL",
    "CHAIN_RPC_URL",
    "DEPLOYER_PRIVATE_KEY",
    "SEED_DEMO",
    "LOG_LEVEL",
    "JOB_RETRY_BASE_MS",
    "JOB_RETRY_MAX_MS",
    "INDEXER_POLL_MS",
  ])("names %s when it is wrong but never repeats the value given", (name) => {
    const value = "s3cr3t-value-0x5eed";
    const error = configError({ [name]: value });
    expect(error.problems.some((problem) => problem.startsWith(`${name} `))).toBe(true);
    expect(error.message).not.toContain(value);
  });

  it("takes PUBLIC_ORIGIN as an origin only, and refuses a path or another scheme", () => {
    expect(parseEnv({ PUBLIC_ORIGIN: "https://consentry.example/" }).PUBLIC_ORIGIN).toBe(
      "https://consentry.example",
    );
    for (const bad of ["https://consentry.example/app", "ftp://consentry.example", "nonsense"]) {
      expect(configError({ PUBLIC_ORIGIN: bad }).message).toContain("PUBLIC_ORIGIN");
    }
  });

  it("asks for PUBLIC_ORIGIN when the server listens beyond loopback", () => {
    expect(configError({ HOST: "0.0.0.0" }).message).toContain("PUBLIC_ORIGIN");
    expect(parseEnv({ HOST: "0.0.0.0", PUBLIC_ORIGIN: "https://consentry.example" }).HOST).toBe(
      "0.0.0.0",
    );
    expect(parseEnv({ HOST: "localhost" }).HOST).toBe("localhost");
  });

  it("accepts only http and https chain URLs", () => {
    const key = `0x${"ab".repeat(32)}`;
    expect(
      configError({ CHAIN_RPC_URL: "ws://127.0.0.1:8545", DEPLOYER_PRIVATE_KEY: key }).problems,
    ).toEqual(["CHAIN_RPC_URL must be an http:// or https:// URL"]);
  });

  it("reports every bad variable at once", () => {
    const error = configError({ PORT: "abc", DATABASE_URL: "sqlite://x", SEED_DEMO: "maybe" });
    expect(error.problems.map((problem) => problem.split(" ")[0]).sort()).toEqual([
      "DATABASE_URL",
      "PORT",
      "SEED_DEMO",
    ]);
  });
});
