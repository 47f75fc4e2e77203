// Preview environments: the generated wrangler config for a pull request (checked by wrangler itself
// with a dry-run deploy), the resource list setup and teardown walk, and the steps against the Neon
// API stand-in.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unstable_readConfig } from "wrangler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NeonClient } from "../../scripts/lib/neon-api";
import { previewResources, writePreviewConfig } from "../../scripts/lib/preview-config";
import { runSetup, runTeardown, setupPlan, teardownPlan, type PreviewTools } from "../../scripts/lib/preview-steps";
import { startNeonSim } from "../../scripts/sim/neon";

const DOMAIN = "example.com";
const AUD = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2";
const TEAM = "example-team.cloudflareaccess.com";

type Queues = { producers: { queue: string }[]; consumers: { queue: string; dead_letter_queue?: string }[] };
const queueNames = (q: Queues) => [
  ...new Set([...q.producers.map((p) => p.queue), ...q.consumers.flatMap((c) => [c.queue, c.dead_letter_queue ?? []].flat())]),
];
const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

let root: string;
let config: Record<string, any>;
let configPath: string;
beforeAll(() => {
  // The config is written under a scratch root; its `main` points back at this checkout's Worker.
  root = mkdtempSync(join(tmpdir(), "hph-preview-"));
  configPath = writePreviewConfig({ pr: 123, domain: DOMAIN, accessAud: AUD, accessTeamDomain: TEAM }, root);
  config = JSON.parse(readFileSync(configPath, "utf8"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("preview config for PR 123", () => {
  it("is accepted by `wrangler deploy --dry-run`, with the PR's own Worker and queues bound", () => {
    const outdir = join(root, "dist");
    const output = execFileSync("node_modules/.bin/wrangler", ["deploy", "--dry-run", "--config", configPath, "--outdir", outdir], {
      encoding: "utf8",
      env: wranglerEnv,
    });
    expect(output).toContain("--dry-run: exiting now.");
    expect(output).toContain("env.INGEST_QUEUE (hub-pr-123-ingest)");
    expect(output).toContain(`env.ACCESS_AUD ("${AUD.slice(0, 20)}`);
    expect(readFileSync(join(outdir, "index.js"), "utf8").length).toBeGreaterThan(1000);
  }, 60_000);

  it("names the Worker, every queue and DLQ, and every rate-limit namespace for the PR alone", () => {
    expect(config.name).toBe("hub-pr-123");
    const queues = queueNames(config.queues);
    expect(queues).toHaveLength(4);
    for (const queue of queues) expect(queue).toMatch(/^hub-pr-123-(ingest|insights)(-dlq)?$/);
    const taken = { queues: new Set<string>(), namespaces: new Set<string>() };
    for (const env of [undefined, "staging", "production"]) {
      const other = unstable_readConfig({ config: "wrangler.toml", env });
      queueNames(other.queues as Queues).forEach((q) => taken.queues.add(q));
      (other.ratelimits as { namespace_id: string }[]).forEach((r) => taken.namespaces.add(r.namespace_id));
    }
    expect(queues.filter((q) => taken.queues.has(q))).toEqual([]);
    const namespaces = config.ratelimits.map((r: { namespace_id: string }) => r.namespace_id);
    expect(new Set(namespaces).size).toBe(namespaces.length);
    expect(namespaces.filter((n: string) => taken.namespaces.has(n))).toEqual([]);
    // Another PR shares nothing with this one.
    const other = JSON.parse(readFileSync(writePreviewConfig({ pr: 124, domain: DOMAIN, accessAud: AUD, accessTeamDomain: TEAM }, root), "utf8"));
    expect(queueNames(other.queues).filter((q) => queues.includes(q))).toEqual([]);
    expect(other.ratelimits.map((r: { namespace_id: string }) => r.namespace_id).filter((n: string) => namespaces.includes(n))).toEqual([]);
  });

  it("binds the Durable Object to its own script (a namespace of its own) with the staging migrations", () => {
    expect(config.durable_objects.bindings).toEqual([{ name: "USER_READINESS", class_name: "UserReadiness" }]);
    expect(config.migrations).toEqual(unstable_readConfig({ config: "wrangler.toml", env: "staging" }).migrations);
  });

  it("is reachable only on pr-123.<domain> behind Access: no workers.dev or preview URLs, ACCESS_AUD set", () => {
    expect(config.workers_dev).toBe(false);
    expect(config.preview_urls).toBe(false);
    expect(config.routes).toEqual([{ pattern: `pr-123.${DOMAIN}`, custom_domain: true }]);
    expect(config.vars).toMatchObject({
      ENVIRONMENT: "preview",
      ACCESS_AUD: AUD,
      ACCESS_TEAM_DOMAIN: TEAM,
      PUBLIC_BASE_URL: `https://pr-123.${DOMAIN}`,
    });
    // No cron: reconciling from a copy of staging's data would refresh staging's vendor tokens.
    expect(config.triggers.crons).toEqual([]);
  });
});

describe("preview setup and teardown", () => {
  const resources = previewResources({ pr: 123, domain: DOMAIN });

  it("lists the config's Worker, queues and host, and tears down exactly what setup created, newest first", () => {
    const named = (kind: string) => resources.filter((r) => r.kind === kind).map((r) => r.name);
    expect(named("worker")).toEqual([config.name]);
    expect(named("queue").sort()).toEqual(queueNames(config.queues).sort());
    expect(named("custom-domain")).toEqual([config.routes[0].pattern]);
    expect(named("access-destination")).toEqual([`pr-123.${DOMAIN}`]);
    expect(named("neon-branch")).toEqual(["preview/pr-123"]);
    const setup = setupPlan(resources).map((s) => s.resource);
    const teardown = teardownPlan(resources).map((s) => s.resource);
    expect(teardown).toEqual([...setup].reverse());
  });

  it("prints the same resources from the command line for `up --dry-run` and `down --dry-run`", () => {
    const run = (verb: string) =>
      execFileSync("node_modules/.bin/tsx", ["scripts/preview.ts", verb, "123", "--dry-run"], {
        encoding: "utf8",
        env: { ...wranglerEnv, PREVIEW_DOMAIN: DOMAIN },
      }).trim().split("\n");
    const up = run("up").map((line) => line.replace(/^create /, "").replace(/ {2}\(.*$/, ""));
    const down = run("down").map((line) => line.replace(/^delete /, "").replace(/ {2}\(.*$/, ""));
    expect(up).toContain("worker hub-pr-123");
    expect(down).toEqual([...up].reverse());
  }, 120_000);

  it("refuses to start without its settings, naming them and nothing else", () => {
    let stderr = "";
    try {
      execFileSync("node_modules/.bin/tsx", ["scripts/preview.ts", "up", "123"], {
        encoding: "utf8",
        stdio: "pipe",
        env: { PATH: process.env.PATH, NEON_API_KEY: "neon-secret-value" },
      });
    } catch (error) {
      stderr = String((error as { stderr: string }).stderr);
    }
    expect(stderr).toContain("missing or invalid PREVIEW_DOMAIN");
    expect(stderr).not.toContain("neon-secret-value");
  }, 60_000);

  it("creates the Neon branch from staging, migrates it directly, deploys with the pooled URL, and removes it all", async () => {
    const sim = await startNeonSim({ apiKey: "k", projectId: "p", branches: [{ id: "br-staging", name: "staging" }] });
    const calls: string[] = [];
    const migrated: string[] = [];
    const deployed: Record<string, string>[] = [];
    // Cloudflare's API is out of reach here: wrangler's side is recorded, Neon's is the stand-in.
    const tools: PreviewTools = {
      wrangler: async (args) => (calls.push(args.join(" ")), { ok: true, output: "" }),
      migrate: async (url) => void migrated.push(url),
      deploy: async (secrets) => void deployed.push(secrets),
      smoke: async () => ({ ok: true, status: 200, attempts: 1 }),
      neon: { client: new NeonClient({ apiKey: "k", baseUrl: sim.url, retryBaseMs: 5 }), projectId: "p", parentBranchId: "br-staging", database: "hub", role: "hub_owner" },
      workerSecrets: { OURA_CLIENT_SECRET: "from-ci" },
      log: () => undefined,
    };
    try {
      await runSetup(setupPlan(resources), tools);
      await runSetup(setupPlan(resources), tools); // a push to the PR reruns setup: nothing doubles
      expect(sim.branchNames()).toEqual(["preview/pr-123", "staging"]);
      expect(new URL(migrated[0]!).hostname).not.toContain("-pooler");
      expect(new URL(deployed[0]!.DATABASE_URL!).hostname).toContain("-pooler");
      expect(deployed[0]!.OURA_CLIENT_SECRET).toBe("from-ci");
      const creates = calls.filter((c) => c.startsWith("queues create"));
      expect(new Set(creates)).toEqual(new Set(queueNames(config.queues).map((q) => `queues create ${q}`)));
      calls.length = 0;
      await runTeardown(teardownPlan(resources), tools);
      await runTeardown(teardownPlan(resources), tools); // a second close finds nothing left and still succeeds
      expect(sim.branchNames()).toEqual(["staging"]);
      expect(calls.slice(0, 5)).toEqual(["delete hub-pr-123 --force", ...queueNames(config.queues).reverse().map((q) => `queues delete ${q}`)]);
    } finally {
      await sim.stop();
    }
  });
});
