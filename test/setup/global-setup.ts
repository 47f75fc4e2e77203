// Global setup of the workerd test project: a fresh real Postgres (migrated), the WebSocket proxy and
// the simulators, shared with the tests through `provide`/`inject`.
import type { TestProject } from "vitest/node";
import { join } from "node:path";
import { startStack } from "../../scripts/lib/stack";
import { startControl } from "../../scripts/sim/control";
import { startPosthogSim } from "../../scripts/sim/posthog";

declare module "vitest" {
  export interface ProvidedContext {
    workerVars: Record<string, string>;
  }
}

export default async function setup(project: TestProject) {
  const stack = await startStack({
    dataDir: join(process.cwd(), ".data", `pg-test-${process.pid}`),
    fresh: true,
    ephemeral: true,
    // Oura's subscription handshake calls the hub back over HTTP, and the Worker under test is not
    // reachable from the simulators: subscriptions are created without it (the handshake route has its own tests).
    simulators: { verifyOuraCallbacks: false },
  });
  // Product analytics on, against the local capture stand-in, so every flow's events can be checked.
  const posthog = await startPosthogSim();
  const control = await startControl({ ...stack.sims, posthog }, 0, stack.faults);
  // SIM_CONTROL_URL is a test-only binding: the simulators' control channel (scripts/sim/control.ts).
  // A generous statement budget: a test machine shared with other work must not turn slow answers into
  // 503s (tests that exercise the budget set their own). The whole suite shares one WHOOP app, so its
  // call budget is lifted here; the budget's own tests pass their own limits and budget key.
  project.provide("workerVars", { ...stack.vars, ...posthog.env, DB_TIMEOUT_MS: "10000", SIM_CONTROL_URL: control.url,
    WHOOP_CALLS_PER_MINUTE: "1000000", WHOOP_CALLS_PER_DAY: "100000000",
    // Test-only: the database path that resilience tests take down for themselves alone.
    ISOLATED_DB_WS_PROXY: stack.isolatedVars.DB_WS_PROXY, ISOLATED_DB_HTTP_PROXY: stack.isolatedVars.DB_HTTP_PROXY });
  return async () => {
    await control.stop();
    await posthog.stop();
    await stack.stop();
  };
}
