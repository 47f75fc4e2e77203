// Entry of the `hub` Worker: HTTP (Hono app), queue consumers dispatched by queue name, cron jobs,
// and the UserReadiness Durable Object class.
import { createApp } from "./app";
import { loadConfig, type Env } from "./env";
import { consumeDeadLetters } from "./dead-letters/consumer";
import { consumeIngest } from "./normalize/consumer";
import { consumeInsights } from "./insights/consumer";
import { Metrics } from "./lib/metrics";
import { runScheduled } from "./scheduled/jobs";

export { UserReadiness } from "../durable-objects/user-readiness";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),

  async queue(batch, env, ctx) {
    const config = loadConfig(env);
    const metrics = new Metrics(env.METRICS);
    try {
      // Queue names carry the environment (`hub-staging-ingest`), so dispatch on the role suffix.
      if (batch.queue.endsWith("-dlq")) return await consumeDeadLetters(batch, config, metrics);
      if (batch.queue.endsWith("-ingest")) return await consumeIngest(batch, env, config, undefined, metrics);
      if (batch.queue.endsWith("-insights")) return await consumeInsights(batch, env, config, metrics);
      throw new Error(`no consumer for queue ${batch.queue}`);
    } finally {
      ctx.waitUntil(metrics.flush());
    }
  },

  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(controller.cron, env, loadConfig(env)));
  },
} satisfies ExportedHandler<Env, unknown>;
