// Creates the hub's Oura webhook subscriptions — one per (create|update|delete) × data type the hub
// consumes — and records them in webhook_subscriptions, where the daily cron renews them.
// Existing subscriptions are adopted, so running it again is safe.
//
//   npx tsx scripts/oura-subscriptions.ts [--callback-url https://hub.example.com/webhooks/oura]
//
// Reads DATABASE_URL, DB_WS_PROXY (local only), OURA_API_BASE, OURA_CLIENT_ID, OURA_CLIENT_SECRET,
// OURA_WEBHOOK_VERIFICATION_TOKEN and PUBLIC_BASE_URL from the environment or .dev.vars. Oura calls
// the callback with a challenge before it creates a subscription, so the hub must be reachable there.
import { parseArgs } from "node:util";
import { drizzle } from "drizzle-orm/neon-serverless";
import { z } from "zod";
import * as schema from "../db/schema";
import { ensureOuraSubscriptions } from "../workers/scheduled/subscriptions";
import { readDevVars } from "./lib/dev-vars";
import { nodePool } from "./lib/node-db";

const settingsSchema = z.object({
  DATABASE_URL: z.string().min(1),
  DB_WS_PROXY: z.string().optional(),
  OURA_API_BASE: z.url().default("https://api.ouraring.com"),
  OURA_CLIENT_ID: z.string().min(1),
  OURA_CLIENT_SECRET: z.string().min(1),
  OURA_WEBHOOK_VERIFICATION_TOKEN: z.string().min(1),
  PUBLIC_BASE_URL: z.url().optional(),
});

const { values: args } = parseArgs({ options: { "callback-url": { type: "string" } } });
const present = Object.fromEntries(Object.entries({ ...readDevVars(), ...process.env }).filter(([, v]) => v !== undefined && v !== ""));
const parsed = settingsSchema.safeParse(present);
if (!parsed.success) {
  console.error(`oura-subscriptions: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
  process.exit(1);
}
const settings = parsed.data;
const callbackUrl = args["callback-url"] ?? (settings.PUBLIC_BASE_URL && new URL("/webhooks/oura", settings.PUBLIC_BASE_URL).toString());
if (!callbackUrl || !URL.canParse(callbackUrl)) {
  console.error("oura-subscriptions: pass --callback-url or set PUBLIC_BASE_URL");
  process.exit(1);
}

const pool = nodePool(settings.DATABASE_URL, settings.DB_WS_PROXY);
try {
  const ensured = await ensureOuraSubscriptions(drizzle({ client: pool, schema }), settings, callbackUrl);
  for (const { subscription, created } of ensured) {
    console.log(`${created ? "created" : "adopted"} ${subscription.event_type} ${subscription.data_type} ${subscription.id} (expires ${subscription.expiration_time})`);
  }
} catch (error) {
  console.error(`oura-subscriptions: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await pool.end();
}
