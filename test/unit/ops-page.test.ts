// The operator's tools against a running hub (wrangler dev on the real local stack): a message that
// the vendor refused is dead-lettered, `npm run dlq` replays it to success and a second replay changes
// no row; then the /ops page, in Debian's chromium, shows the run's figures and replays another dead
// letter from its button. Screenshots go to .artifacts/ops/ (git-ignored).
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pool } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
// @ts-expect-error plain .mjs setup script without types
import { CHROMIUM, ensureBrowser } from "../../scripts/ensure-browser.mjs";
import { freePort } from "../../scripts/lib/ports";
import { nodePool } from "../../scripts/lib/node-db";
import { startStack, type Stack } from "../../scripts/lib/stack";
import { seedDemoUser } from "../../scripts/seed";
import { generateOuraHistory } from "../../scripts/sim/generate";
import { DEMO_ACCOUNTS } from "../../scripts/sim/index";

const noBrowser: string | null = ensureBrowser({ quiet: true });
if (noBrowser) console.log(`[ops-page] the browser part is skipped: ${noBrowser}`);

const dataDir = mkdtempSync(join(tmpdir(), "hph-ops-"));
chmodSync(dataDir, 0o755);
const today = new Date().toISOString().slice(0, 10);
const nights = generateOuraHistory({ vendorUserId: DEMO_ACCOUNTS.oura, days: 35, endDate: today, seed: 1 }).filter((d) => d.type === "long_sleep");
let stack: Stack;
let pool: Pool;
let wrangler: ChildProcess;
let hub: string;
let output = "";

function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  return vi.waitFor(async () => {
    const value = await probe();
    if (value === undefined) throw new Error(`timed out waiting for ${what}`);
    return value;
  }, { timeout: timeoutMs, interval: 250 });
}

const rows = async (sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows;

/** A webhook for one of the demo account's nights that the vendor answers with 400: a dead letter. */
async function deadLetterFor(nightIndex: number): Promise<string> {
  const night = nights[nightIndex]!;
  stack.sims.oura.failNext(1, 400, undefined, DEMO_ACCOUNTS.oura);
  const event = { event_type: "update" as const, data_type: "sleep", object_id: night.id, event_time: new Date().toISOString(), user_id: DEMO_ACCOUNTS.oura };
  const signed = stack.sims.oura.signedWebhook(event);
  expect((await fetch(`${hub}/webhooks/oura`, { method: "POST", headers: signed.headers, body: signed.body })).status).toBe(200);
  return until(async () => (await rows("SELECT id::text FROM dead_letters WHERE body->>'object_id' = $1", [night.id]))[0]?.id as string | undefined, "the dead letter");
}

/** Every data row the replayed event can touch, as one checksum per table. */
async function dataChecksums(): Promise<Record<string, string>> {
  const sums: Record<string, string> = {};
  for (const table of ["webhook_events", "vendor_records", "sleep_sessions", "sleep_daily", "hrv_daily", "connections"]) {
    const [row] = await rows(`SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS sum FROM ${table} t`);
    sums[table] = row!.sum as string;
  }
  return sums;
}

/** `npm run dlq -- …` (asynchronously: this process also runs the database proxy the hub uses). */
function dlq(...args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn("node_modules/.bin/tsx", ["scripts/dlq.ts", ...args], {
    env: { ...process.env, HUB_URL: hub, OPS_ACTOR: "test-operator" }, stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  child.stderr.on("data", (chunk) => (out += chunk));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, out })));
}

beforeAll(async () => {
  stack = await startStack({ dataDir: join(dataDir, "pg"), fresh: true, ephemeral: true, simulators: { history: { days: 35 } } });
  pool = nodePool(stack.vars.DATABASE_URL!, stack.vars.DB_WS_PROXY);
  await seedDemoUser(pool);
  const port = await freePort();
  hub = `http://127.0.0.1:${port}`;
  const vars = { ...stack.vars, APP_REDIRECT_URL: `${hub}/health`, PUBLIC_BASE_URL: hub };
  wrangler = spawn("node_modules/.bin/wrangler", ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", join(dataDir, "wrangler"),
    "--show-interactive-dev-session=false", ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`])], {
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" }, stdio: ["ignore", "pipe", "pipe"],
  });
  wrangler.stdout!.on("data", (chunk) => (output += chunk));
  wrangler.stderr!.on("data", (chunk) => (output += chunk));
  await until(async () => ((await fetch(`${hub}/health`).catch(() => null))?.ok ? true : undefined), "wrangler dev", 150_000);

  // Connect the simulator's demo Oura account through the hub (its 30-day backfill runs too).
  const token = await stack.sims.idp.mint({ sub: `ops-${Date.now()}` });
  const start = await fetch(`${hub}/v1/connections/oura`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  const authorize = new URL(((await start.json()) as { authorize_url: string }).authorize_url);
  authorize.searchParams.set("user", DEMO_ACCOUNTS.oura);
  const consent = await fetch(authorize, { redirect: "manual" });
  const callback = await fetch(consent.headers.get("location")!, { redirect: "manual" });
  // The callback holds the account as pending; the app that started the flow attaches it (CONTRACT §3).
  const back = new URL(callback.headers.get("location")!);
  expect(back.searchParams.get("status")).toBe("pending");
  const complete = await fetch(`${hub}/v1/connections/oura/complete`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ connect_code: back.searchParams.get("connect_code") }),
  });
  expect(complete.status).toBe(200);
  await until(async () => ((await rows("SELECT 1 FROM connections WHERE vendor_user_id = $1 AND last_sync_at IS NOT NULL", [DEMO_ACCOUNTS.oura])).length ? true : undefined), "the backfill");
}, 240_000);

afterAll(async () => {
  wrangler?.kill("SIGTERM");
  await pool?.end();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("dead letters and the operator page", () => {
  it("npm run dlq replays a dead letter to success, and replaying it again changes no row", async () => {
    const id = await deadLetterFor(nights.length - 1);
    const night = nights.at(-1)!;
    expect((await dlq("list")).out).toMatch(new RegExp(`^${id}\\thub-ingest\\tvendor_event\\toura\\t`, "m"));
    expect((await dlq("show", id)).out).toContain(`"object_id": "${night.id}"`);

    const first = await dlq("replay", id);
    expect(first).toMatchObject({ code: 0 });
    expect(first.out).toContain(`${id}\treplayed`);
    await until(async () => ((await rows("SELECT 1 FROM webhook_events WHERE body->>'object_id' = $1", [night.id])).length ? true : undefined), "the replayed event to land");
    await until(() => (output.includes("\"event\":\"vendor_event_applied\"") ? true : undefined), "the applied event's log line");
    const before = await dataChecksums();

    const duplicates = output.split("vendor_event_duplicate").length;
    expect(await dlq("replay", id)).toMatchObject({ code: 0 });
    await until(() => (output.split("vendor_event_duplicate").length > duplicates ? true : undefined), "the second replay to be handled");
    expect(await dataChecksums()).toEqual(before);
    expect(await rows("SELECT replayed_by FROM dead_letter_replays WHERE dead_letter_id = $1", [id])).toEqual([
      { replayed_by: "test-operator" }, { replayed_by: "test-operator" },
    ]);
    expect((await dlq("list")).out).not.toMatch(new RegExp(`^${id}\\t`, "m"));
  }, 120_000);

  it.skipIf(noBrowser !== null)("shows the run's figures in chromium and replays a dead letter from its button", async () => {
    const id = await deadLetterFor(nights.length - 2);
    const { chromium } = await import("playwright-core");
    const profile = mkdtempSync(join(tmpdir(), "hph-chromium-"));
    // A fresh profile each run (playwright passes it to chromium as --user-data-dir).
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 1400 },
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${hub}/ops`);
      await page.waitForSelector("body[data-loaded=true]");
      // The seeded run: one open dead letter, the demo account's active connection, today's webhooks
      // and the recomputes of the seeded athlete and the backfill.
      expect(await page.textContent("#open-dead-letters")).toBe("1");
      const [connected] = await rows("SELECT count(*)::int AS n FROM connections WHERE vendor = 'oura' AND status = 'active'");
      expect(await page.textContent("#connections tbody tr:first-child")).toBe(`oura${connected!.n}00`);
      const [events] = await rows("SELECT count(*)::int AS n FROM webhook_events WHERE received_at > now() - interval '24 hours'");
      expect(await page.getAttribute("#webhooks-chart", "data-total")).toBe(String(events!.n));
      const [snapshots] = await rows("SELECT count(*)::int AS n FROM readiness_snapshots WHERE computed_at > now() - interval '24 hours'");
      expect(Number(await page.getAttribute("#recomputes-chart", "data-total"))).toBeGreaterThanOrEqual(Math.min(snapshots!.n, 90));
      expect(await page.textContent("#analytics")).toContain("not configured");
      mkdirSync(".artifacts/ops", { recursive: true });
      await page.screenshot({ path: ".artifacts/ops/ops-page.png", fullPage: true });

      await page.click(`button[data-replay="${id}"]`);
      await page.waitForFunction((text) => document.getElementById("replay-status")?.textContent === text, `dead letter ${id} replayed`);
      // The page reloads its figures after the replay: no open dead letter is left.
      await page.waitForFunction(() => document.getElementById("open-dead-letters")?.textContent === "0");
      expect(await page.textContent(`#dead-letters tr[data-id="${id}"] td:nth-child(8)`)).not.toBe("");
      await page.screenshot({ path: ".artifacts/ops/ops-page-after-replay.png", fullPage: true });
      const night = nights.at(-2)!;
      await until(async () => ((await rows("SELECT 1 FROM webhook_events WHERE body->>'object_id' = $1", [night.id])).length ? true : undefined), "the replayed event to land");
      expect(await rows("SELECT replayed_by FROM dead_letter_replays WHERE dead_letter_id = $1", [id])).toEqual([{ replayed_by: "local-operator" }]);
    } finally {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }, 120_000);
});
