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
  const control = await startControl({ ...stack.sims, posthog });
  // SIM_CONTROL_URL is a test-only binding: the simulators' control channel (scripts/sim/control.ts).
  project.provide("workerVars", { ...stack.vars, ...posthog.env, SIM_CONTROL_URL: control.url });
  return async () => {
    await control.stop();
    await posthog.stop();
    await stack.stop();
  };
}
