// Routes: liveness and readiness (CONTRACT §5). /health/ready is open to anyone, so its answer is
// kept per isolate for READY_CACHE_MS (one Postgres probe per isolate per few seconds, however often
// it is asked) and the route is rate limited per client IP (security.ts).
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { loadConfig, type Env } from "../env";
import { openDb } from "../lib/db";
import { errorBody } from "../lib/errors";
import type { AppEnv } from "../lib/context";

const healthRoute = createRoute({
  method: "get",
  path: "/health",
  summary: "Liveness: the Worker runs",
  responses: { 200: { description: "running", content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } } } },
});

const readyRoute = createRoute({
  method: "get",
  path: "/health/ready",
  summary: "Readiness: Postgres answers (checked at most every few seconds per isolate; `checked_at` says when)",
  responses: {
    200: {
      description: "ready",
      content: { "application/json": { schema: z.object({ status: z.literal("ready"), checked_at: z.string().openapi({ format: "date-time" }) }) } },
    },
    429: { description: "too many requests from this address" },
    503: { description: "Postgres unreachable or configuration invalid" },
  },
});

const READY_TIMEOUT_MS = 3_000;
export const READY_CACHE_MS = 5_000;

type Probe = { ready: true; checkedAt: number } | { ready: false; reason: string; checkedAt: number };
/** The last probe per database (tests point isolates at more than one); plain data, never a promise. */
const lastProbe = new Map<string, Probe>();

type WaitUntil = (work: Promise<unknown>) => void;

async function probe(env: Env, waitUntil: WaitUntil): Promise<Probe> {
  const checkedAt = Date.now();
  let handle;
  try {
    handle = openDb(loadConfig(env));
  } catch {
    return { ready: false, reason: "configuration invalid", checkedAt };
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), READY_TIMEOUT_MS)));
    await Promise.race([handle.pool.query("SELECT 1"), timeout]);
    return { ready: true, checkedAt };
  } catch {
    return { ready: false, reason: "database unreachable", checkedAt };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    waitUntil(handle.close().catch(() => undefined));
  }
}

async function readiness(env: Env, waitUntil: WaitUntil): Promise<Probe> {
  const key = env.DATABASE_URL ?? "";
  const cached = lastProbe.get(key);
  if (cached && Date.now() - cached.checkedAt < READY_CACHE_MS) return cached;
  const fresh = await probe(env, waitUntil);
  if (lastProbe.size > 16) lastProbe.clear();
  lastProbe.set(key, fresh);
  return fresh;
}

export function registerHealthRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(healthRoute, (c) => c.json({ status: "ok" as const }, 200));

  app.openapi(readyRoute, async (c) => {
    const result = await readiness(c.env, (work) => c.executionCtx.waitUntil(work));
    const checkedAt = new Date(result.checkedAt).toISOString();
    if (result.ready) return c.json({ status: "ready" as const, checked_at: checkedAt }, 200);
    return c.json(errorBody("UNAVAILABLE", result.reason, c.get("requestId"), { checked_at: checkedAt }), 503);
  });
}
