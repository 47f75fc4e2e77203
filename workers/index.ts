// Entry of the `hub` Worker: HTTP (Hono app), queue consumers dispatched by queue name, cron jobs,
// and the UserReadiness Durable Object class.
import { createApp } from "./app";
import { loadConfig, type Env } from "./env";
import { consumeDeadLetters } from "./dead-letters/consumer";
import { consumeIngest } from "./normalize/consumer";
import { consumeInsights } from "./insights/consumer";
import { runScheduled } from "./scheduled/jobs";

export { UserReadiness } from "../durable-objects/user-readiness";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),

  async queue(batch, env) {
    const config = loadConfig(env);
    // Queue names carry the environment (`hub-staging-ingest`), so dispatch on the role suffix.
    if (batch.queue.endsWith("-dlq")) return consumeDeadLetters(batch, config);
    if (batch.queue.endsWith("-ingest")) return consumeIngest(batch, env, config);
    if (batch.queue.endsWith("-insights")) return consumeInsights(batch, env, config);
    throw new Error(`no consumer for queue ${batch.queue}`);
  },

  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(controller.cron, env, loadConfig(env)));
  },
} satisfies ExportedHandler<Env, unknown>;
