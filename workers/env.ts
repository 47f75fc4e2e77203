// The Worker's environment, validated once per isolate: a missing binding or secret fails loudly with
// the names of what is missing (never their values).
import { z } from "zod";

/**
 * The bindings, as `wrangler types` generates them from wrangler.toml (worker-configuration.d.ts,
 * `npm run types`; a test checks it is current), so this module names no class of ours. The rate
 * limiters may be absent (no limit; docs/security.md) and METRICS too (no data points).
 */
export type Bindings = Pick<Cloudflare.Env, "INGEST_QUEUE" | "INSIGHTS_QUEUE" | "USER_READINESS">
  & Partial<Pick<Cloudflare.Env, "USER_RATE_LIMITER" | "IP_RATE_LIMITER" | "WEBHOOK_RATE_LIMITER" | "METRICS">>;

const required = z.string().min(1);
const url = z.url();

/** Where the Worker runs; `preview` is a pull request's `hub-pr-N` (closed without Access, security.ts). */
export const ENVIRONMENTS = ["development", "staging", "production", "preview"] as const;

export const envSchema = z.object({
  ENVIRONMENT: z.enum(ENVIRONMENTS).default("development"),
  DATABASE_URL: required,
  DB_WS_PROXY: z.string().regex(/^[\w.-]+:\d+$/, "host:port").optional(),
  // Local only: the Neon SQL-over-HTTP stand-in (scripts/lib/neon-http.ts); production derives it.
  DB_HTTP_PROXY: z.string().regex(/^[\w.-]+:\d+$/, "host:port").optional(),
  // Budget for one statement (and for opening a session); past it the request answers 503.
  DB_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(2_500),
  OURA_CLIENT_ID: required,
  OURA_CLIENT_SECRET: required,
  OURA_WEBHOOK_VERIFICATION_TOKEN: required,
  OURA_API_BASE: url,
  OURA_AUTHORIZE_URL: url,
  OURA_TOKEN_URL: url,
  OURA_REVOKE_URL: url.optional(),
  WHOOP_CLIENT_ID: required,
  WHOOP_CLIENT_SECRET: required,
  WHOOP_API_BASE: url,
  WHOOP_AUTHORIZE_URL: url,
  WHOOP_TOKEN_URL: url,
  AUTH_JWKS_URL: url,
  AUTH_ISSUER: required,
  AUTH_AUDIENCE: required,
  ACCESS_TEAM_DOMAIN: z.string().optional(),
  ACCESS_AUD: z.string().optional(),
  // The Access application in front of /ops alone (production keeps ACCESS_AUD unset, as the mobile
  // API is public); falls back to ACCESS_AUD. See workers/ops/access.ts.
  OPS_ACCESS_AUD: z.string().optional(),
  // "open-local": /ops answers without Access. Only the top-level (local) vars of wrangler.toml set it.
  OPS_ACCESS: z.enum(["open-local"]).optional(),
  TOKEN_ENCRYPTION_KEYS: required,
  APP_REDIRECT_URL: required,
  POSTHOG_KEY: z.string().optional(),
  POSTHOG_HOST: url.optional(),
  // Key of the HMAC that turns user ids into PostHog distinct ids (workers/lib/product-analytics.ts).
  POSTHOG_ID_KEY: z.string().min(16).optional(),
  // Person deletion on erasure uses PostHog's private API: a personal key with person:write.
  POSTHOG_PERSONAL_API_KEY: z.string().optional(),
  POSTHOG_PROJECT_ID: z.string().regex(/^\d+$/, "numeric project id").optional(),
  POSTHOG_APP_HOST: url.optional(),
  PUBLIC_BASE_URL: url.optional(),
  // Analytics Engine SQL API for the operator page (workers/ops/analytics-sql.ts): account, a token
  // with Account Analytics Read, the environment's dataset; ANALYTICS_SQL_URL overrides the endpoint.
  CF_ACCOUNT_ID: z.string().regex(/^[0-9a-f]{32}$/, "32 hex digits").optional(),
  CF_ANALYTICS_TOKEN: z.string().optional(),
  METRICS_DATASET: z.string().regex(/^\w{1,64}$/).optional(),
  ANALYTICS_SQL_URL: url.optional(),
  CORS_ORIGINS: z.string().optional(),
  WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().positive().default(300),
  // How long an isolate may answer GET /v1/me/readiness from its copy of what the user's Durable
  // Object served (workers/api/readiness-edge.ts); 0 sends every read to the object.
  READINESS_EDGE_CACHE_MS: z.coerce.number().int().min(0).max(10_000).default(1_000),
  // The hub's share of WHOOP's app-wide limits (100 a minute, 10,000 a day): a margin is left for the
  // OAuth flows' profile reads, which are not budgeted (docs/adr/0007).
  WHOOP_CALLS_PER_MINUTE: z.coerce.number().int().positive().default(90),
  WHOOP_CALLS_PER_DAY: z.coerce.number().int().positive().default(9_500),
}).refine((env) => !(env.ACCESS_AUD || env.OPS_ACCESS_AUD) || env.ACCESS_TEAM_DOMAIN, {
  // Access checks need both: the audience tag and the team whose keys sign the assertions.
  path: ["ACCESS_TEAM_DOMAIN"],
  message: "required when ACCESS_AUD or OPS_ACCESS_AUD is set",
}).refine((env) => !env.POSTHOG_KEY || env.POSTHOG_ID_KEY, {
  // Without the key, distinct ids would have to be raw user ids: refuse instead.
  path: ["POSTHOG_ID_KEY"],
  message: "required when POSTHOG_KEY is set",
});

export type Config = z.infer<typeof envSchema>;
/** What the runtime hands the Worker: config strings plus bindings. */
export type Env = Bindings & Partial<Record<keyof z.input<typeof envSchema>, string>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid Worker configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

const bindingNames = ["INGEST_QUEUE", "INSIGHTS_QUEUE", "USER_READINESS"] as const;
const cache = new WeakMap<object, Config>();

/** Validates the environment (memoised per env object) or throws ConfigError naming what is wrong. */
export function loadConfig(env: Env): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const problems: string[] = bindingNames.filter((name) => !env[name]).map((name) => `missing binding ${name}`);
  // Empty strings count as missing: an unset secret in .dev.vars often arrives as "".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === "string" && v !== ""));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.join(".");
      problems.push(issue.code === "invalid_type" && present[key] === undefined ? `missing ${key}` : `${key}: ${issue.message}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  cache.set(env, parsed.data!);
  return parsed.data!;
}
