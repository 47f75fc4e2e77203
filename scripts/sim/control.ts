// A control channel for the simulators: tests running inside workerd cannot call the simulators'
// methods directly (they live in the Node process that started them), so this loopback HTTP endpoint
// calls them on the tests' behalf: POST /call {target, method, args} → {result}. The targets
// `oura-network` and `whoop-network` are the vendors' latency and fault layers (faults.ts), and
// `postgres-link` / `isolated-postgres-link` the database links' (scripts/lib/faults.ts). It also
// offers Node-only checks to workerd tests (POST /validate/openapi).
import { listen, readJson, Router, sendJson, type RunningServer } from "./http";
import type { Simulators } from "./index";
import type { StackFaults } from "../lib/faults";
import type { PosthogSim } from "./posthog";
import { validateOpenApi } from "./openapi-check";

type Target = "oura" | "whoop" | "idp" | "oura-network" | "whoop-network" | "posthog" | "postgres-link" | "isolated-postgres-link";

const NETWORK_METHODS = ["setLatency", "failures", "rateLimit", "slowBodies", "clear", "stats"] as const;
const LINK_METHODS = ["set", "outage", "restore", "refuse", "dropLive", "clear", "stats"] as const;

const CALLABLE: Record<Target, readonly string[]> = {
  posthog: [],
  oura: ["addUser", "putSleep", "deleteSleep", "putDocument", "deleteDocument", "failNext", "expireAccessTokens", "setMembershipActive", "signedWebhook", "notify", "deliverWebhook"],
  whoop: ["addUser", "putSleep", "putRecovery", "deleteSleep", "deleteRecovery", "putCycle", "deleteCycle", "putWorkout", "deleteWorkout", "failNext", "expireAccessTokens", "signedWebhook", "deliverWebhook"],
  idp: ["mint", "rotateKeys", "setJwksBehaviour"],
  "oura-network": NETWORK_METHODS,
  "whoop-network": NETWORK_METHODS,
  "postgres-link": LINK_METHODS,
  "isolated-postgres-link": LINK_METHODS,
};
const READABLE: Record<"oura" | "whoop" | "idp" | "posthog", readonly string[]> = {
  oura: ["requests", "subscriptions", "revokedTokens", "url"],
  whoop: ["requests", "revokedTokens", "url", "apiBase"],
  idp: ["requests", "kids", "url", "issuer", "jwksUrl"],
  posthog: ["events", "deletions", "url"],
};

export async function startControl(sims: Simulators & { posthog?: PosthogSim }, port = 0, faults?: StackFaults): Promise<RunningServer> {
  const router = new Router();
  router.on("POST", "/call", async ({ req, res }) => {
    const body = (await readJson(req)) as { target?: Target; method?: string; args?: unknown[] };
    const target = body.target && Object.hasOwn(CALLABLE, body.target) ? body.target : undefined;
    if (!target || !body.method || !CALLABLE[target].includes(body.method)) {
      sendJson(res, 400, { error: "unknown target or method" });
      return;
    }
    const object = targetObject(sims, faults, target) as unknown as Record<string, (...args: unknown[]) => unknown>;
    const result = await object[body.method]!(...(body.args ?? []));
    sendJson(res, 200, { result: result ?? null });
  });
  router.on("POST", "/validate/openapi", async ({ req, res }) => {
    sendJson(res, 200, await validateOpenApi(await readJson(req)));
  });
  router.on("GET", "/state/:target/:name", ({ res, params }) => {
    const target = params.target as keyof typeof READABLE;
    if (!Object.hasOwn(READABLE, target) || !READABLE[target].includes(params.name ?? "")) {
      sendJson(res, 400, { error: "unknown state" });
      return;
    }
    sendJson(res, 200, { result: (sims[target] as unknown as Record<string, unknown>)[params.name!] ?? null });
  });
  return listen(router, port);
}

function targetObject(sims: Simulators & { posthog?: PosthogSim }, faults: StackFaults | undefined, target: Target): object {
  if (target === "postgres-link" || target === "isolated-postgres-link") {
    if (!faults) throw new Error("no database fault links");
    return target === "postgres-link" ? faults.postgres : faults.isolatedPostgres;
  }
  if (target === "oura-network") return sims.oura.network;
  if (target === "whoop-network") return sims.whoop.network;
  if (target === "posthog") {
    if (!sims.posthog) throw new Error("no PostHog stand-in");
    return sims.posthog;
  }
  return sims[target];
}
