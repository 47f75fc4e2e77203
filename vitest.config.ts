import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Two projects: `unit` runs pure logic and Node-side tools (simulators, scripts) in plain Node;
// `workers` runs inside workerd with real Queues and Durable Objects against a real Postgres that
// test/setup/global-setup.ts starts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: inject("workerVars"),
              // Miniflare's local Analytics Engine dataset drops every point: bind METRICS to a worker
              // that keeps them (test/support/metrics-capture.worker.js) so tests can read them back.
              serviceBindings: { METRICS: { name: "metrics-capture", entrypoint: "MetricsCapture" } },
              workers: [{
                name: "metrics-capture",
                modules: true,
                scriptPath: "./test/support/metrics-capture.worker.js",
                compatibilityDate: "2026-04-20",
              }],
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          globalSetup: ["test/setup/global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
