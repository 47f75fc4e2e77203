// A control channel for the simulators: tests running inside workerd cannot call the simulators'
// methods directly (they live in the Node process that started them), so this loopback HTTP endpoint
// calls them on the tests' behalf: POST /call {target, method, args} → {result}. It also offers
// Node-only checks to workerd tests (POST /validate/openapi).
import { listen, readJson, Router, sendJson, type RunningServer } from "./http";
import type { Simulators } from "./index";
import { validateOpenApi } from "./openapi-check";

type Target = "oura" | "whoop" | "idp";

const CALLABLE: Record<Target, readonly string[]> = {
  oura: ["addUser", "putSleep", "deleteSleep", "failNext", "expireAccessTokens", "setMembershipActive", "signedWebhook", "notify", "deliverWebhook"],
  whoop: ["addUser", "putSleep", "putRecovery", "deleteSleep", "deleteRecovery", "failNext", "expireAccessTokens", "signedWebhook", "deliverWebhook"],
  idp: ["mint", "rotateKeys"],
};
const READABLE: Record<Target, readonly string[]> = {
  oura: ["requests", "subscriptions", "revokedTokens", "url"],
  whoop: ["requests", "revokedTokens", "url", "apiBase"],
  idp: ["requests", "kids", "url", "issuer", "jwksUrl"],
};

export async function startControl(sims: Simulators, port = 0): Promise<RunningServer> {
  const router = new Router();
  router.on("POST", "/call", async ({ req, res }) => {
    const body = (await readJson(req)) as { target?: Target; method?: string; args?: unknown[] };
    const target = body.target && CALLABLE[body.target] ? body.target : undefined;
    if (!target || !body.method || !CALLABLE[target].includes(body.method)) {
      sendJson(res, 400, { error: "unknown target or method" });
      return;
    }
    const object = sims[target] as unknown as Record<string, (...args: unknown[]) => unknown>;
    const result = await object[body.method]!(...(body.args ?? []));
    sendJson(res, 200, { result: result ?? null });
  });
  router.on("POST", "/validate/openapi", async ({ req, res }) => {
    sendJson(res, 200, await validateOpenApi(await readJson(req)));
  });
  router.on("GET", "/state/:target/:name", ({ res, params }) => {
    const target = params.target as Target;
    if (!READABLE[target]?.includes(params.name ?? "")) {
      sendJson(res, 400, { error: "unknown state" });
      return;
    }
    sendJson(res, 200, { result: (sims[target] as unknown as Record<string, unknown>)[params.name!] ?? null });
  });
  return listen(router, port);
}
