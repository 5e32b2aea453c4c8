// Configuration: read once from the environment, checked with zod, reported by name when wrong.
import { resolve } from "node:path";
import { z } from "zod";

const hexKey = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex private key");

const booleanFlag = z
  .enum(["true", "false", "1", "0"], { message: "must be true or false" })
  .transform((value) => value === "true" || value === "1");

export const EnvSchema = z
  .object({
    NODE_ENV: z
      .enum(["development", "production", "test"], {
        message: "must be development, production or test",
      })
      .default("production"),
    HOST: z.string().min(1).default("127.0.0.1"),
    PORT: z.coerce
      .number({ invalid_type_error: "must be a port number" })
      .int("must be a whole number")
      .min(0, "must be between 0 and 65535")
      .max(65535, "must be between 0 and 65535")
      .default(3000),
    DATA_DIR: z.string().min(1).default(".data"),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\/.+/, "must be a postgres:// or postgresql:// URL")
      .optional(),
    CHAIN_RPC_URL: z
      .string()
      .regex(/^https?:\/\/[^\s]+$/, "must be an http:// or https:// URL")
      .optional(),
    DEPLOYER_PRIVATE_KEY: hexKey.optional(),
    SEED_DEMO: booleanFlag.default("true"),
    /**
     * The site's public origin (https://consentry.example): sign-in messages must name it. Without
     * it, the origin the request arrived at counts, which is only safe where nobody but the user can
     * reach the server (the embedded default listens on 127.0.0.1).
     */
    PUBLIC_ORIGIN: z
      .string()
      .url("must be a URL such as https://consentry.example")
      .refine((value) => {
        if (!URL.canParse(value)) return false;
        const url = new URL(value);
        return /^https?:$/.test(url.protocol) && url.pathname === "/" && !url.search && !url.hash;
      }, "must be an origin only: http(s)://host[:port], no path")
      .transform((value) => new URL(value).origin)
      .optional(),
    /** Signs the session cookie; without it, one is generated once into DATA_DIR/session-secret. */
    SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    LOG_LEVEL: z
      .enum(["debug", "info", "warn", "error"], { message: "must be debug, info, warn or error" })
      .default("info"),
    JOB_RETRY_BASE_MS: z.coerce.number().int().min(10).max(600_000).default(1000),
    JOB_RETRY_MAX_MS: z.coerce.number().int().min(10).max(3_600_000).default(30_000),
    INDEXER_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  })
  .superRefine((env, ctx) => {
    if (env.CHAIN_RPC_URL && !env.DEPLOYER_PRIVATE_KEY) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["DEPLOYER_PRIVATE_KEY"],
        message: "is required when CHAIN_RPC_URL is set",
      });
    }
    // Beyond loopback, anyone can choose the Host header, so sign-in needs the configured origin.
    const loopback = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/.test(env.HOST);
    if (!loopback && !env.PUBLIC_ORIGIN) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["PUBLIC_ORIGIN"],
        message: `is required when HOST (${env.HOST}) is reachable from other machines`,
      });
    }
  });

export type Env = z.infer<typeof EnvSchema> & { dataDir: string };

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Parses the environment; throws a ConfigError naming each bad variable (never its value). */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const withoutEmpty = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ""),
  );
  const result = EnvSchema.safeParse(withoutEmpty);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`),
    );
  }
  return { ...result.data, dataDir: resolve(result.data.DATA_DIR) };
}
