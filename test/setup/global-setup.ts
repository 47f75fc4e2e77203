// Global setup of the workerd test project: a fresh real Postgres (migrated), the WebSocket proxy and
// the simulators, shared with the tests through `provide`/`inject`.
import type { TestProject } from "vitest/node";
import { join } from "node:path";
import { startStack } from "../../scripts/lib/stack";

declare module "vitest" {
  export interface ProvidedContext {
    workerVars: Record<string, string>;
  }
}

export default async function setup(project: TestProject) {
  const stack = await startStack({ dataDir: join(process.cwd(), ".data", `pg-test-${process.pid}`), fresh: true });
  project.provide("workerVars", stack.vars);
  return async () => {
    await stack.stop();
  };
}
