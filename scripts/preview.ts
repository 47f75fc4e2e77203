// Preview environment of one pull request (docs/operations/deploy.md, "Previews"):
//   tsx scripts/preview.ts config <pr>            writes .wrangler/previews/pr-<n>/wrangler.json
//   tsx scripts/preview.ts up <pr> [--dry-run]    Neon branch + migrations, queues, deploy, smoke test
//   tsx scripts/preview.ts down <pr> [--dry-run]  the same resources, removed in reverse order
// The Access destination for pr-<n> is added and removed by the preview workflow's terraform apply.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { NEON_API_BASE, NeonClient } from "./lib/neon-api";
import { previewNames, previewResources, writePreviewConfig } from "./lib/preview-config";
import { describeStep, runSetup, runTeardown, setupPlan, teardownPlan, type PreviewTools } from "./lib/preview-steps";
import { smokeTest } from "./lib/smoke";

const { positionals, values } = parseArgs({ allowPositionals: true, options: { "dry-run": { type: "boolean", default: false } } });
const [command, prArgument] = positionals;
const pr = Number(prArgument);
if (!["config", "up", "down"].includes(command ?? "") || !Number.isInteger(pr)) {
  console.error("usage: tsx scripts/preview.ts config|up|down <pull-request-number> [--dry-run]");
  process.exit(2);
}

const optional = z.string().min(1).optional();
const Settings = z.object({
  PREVIEW_DOMAIN: optional,
  ACCESS_AUD: optional,
  ACCESS_TEAM_DOMAIN: optional,
  NEON_API_KEY: optional,
  NEON_API_BASE: z.url().default(NEON_API_BASE),
  NEON_PROJECT_ID: optional,
  NEON_PARENT_BRANCH_ID: optional,
  NEON_DATABASE: optional,
  NEON_ROLE: optional,
  CF_ACCESS_CLIENT_ID: optional,
  CF_ACCESS_CLIENT_SECRET: optional,
  /** JSON object of further Worker secrets (vendor OAuth apps, token keys) from the CI secret store. */
  PREVIEW_WORKER_SECRETS: z.string().default("{}"),
});
type Setting = keyof z.infer<typeof Settings>;
const needs: Record<string, Setting[]> = {
  dry: ["PREVIEW_DOMAIN"],
  config: ["PREVIEW_DOMAIN", "ACCESS_AUD", "ACCESS_TEAM_DOMAIN"],
  down: ["PREVIEW_DOMAIN", "NEON_API_KEY", "NEON_PROJECT_ID"],
  up: Object.keys(Settings.shape) as Setting[],
};
const parsed = Settings.safeParse(process.env);
const wanted = needs[values["dry-run"] ? "dry" : command!]!;
const missing = parsed.success ? wanted.filter((key) => !parsed.data[key]) : parsed.error.issues.map((i) => i.path.join("."));
if (!parsed.success || missing.length > 0) {
  // Names only: values may be secrets.
  console.error(`preview ${command}: missing or invalid ${missing.join(", ")}`);
  process.exit(2);
}
const settings = parsed.data;
/** Settings checked present above for this command. */
const env = (key: Setting): string => settings[key] ?? "";
const domain = env("PREVIEW_DOMAIN");
const resources = previewResources({ pr, domain });

if (values["dry-run"]) {
  for (const step of command === "down" ? teardownPlan(resources) : setupPlan(resources)) console.log(describeStep(step));
  process.exit(0);
}

const configOptions = { pr, domain, accessAud: env("ACCESS_AUD"), accessTeamDomain: env("ACCESS_TEAM_DOMAIN") };
const configPath = command === "down" ? "" : writePreviewConfig(configOptions);
if (command === "config") {
  console.log(configPath);
  process.exit(0);
}

function wrangler(args: string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("node_modules/.bin/wrangler", args, { env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("close", (code) => {
      if (code !== 0) console.error(output.trim());
      resolve({ ok: code === 0, output });
    });
  });
}

function runNode(args: string[], extraEnv: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("node_modules/.bin/tsx", args, { stdio: "inherit", env: { ...process.env, ...extraEnv } });
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(" ")} exited ${code}`))));
  });
}

const tools: PreviewTools = {
  wrangler,
  migrate: (directUrl) => runNode(["scripts/migrate.ts"], { DATABASE_URL: directUrl }),
  async deploy(secrets) {
    const dir = mkdtempSync(join(tmpdir(), "hph-preview-"));
    try {
      writeFileSync(join(dir, "secrets.json"), JSON.stringify(secrets), { mode: 0o600 });
      const { ok } = await wrangler(["deploy", "--config", configPath, "--secrets-file", join(dir, "secrets.json")]);
      if (!ok) throw new Error("wrangler deploy failed");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  smoke: (url) => smokeTest({ url, accessClientId: env("CF_ACCESS_CLIENT_ID"), accessClientSecret: env("CF_ACCESS_CLIENT_SECRET") }),
  neon: {
    client: new NeonClient({ apiKey: env("NEON_API_KEY"), baseUrl: env("NEON_API_BASE") }),
    projectId: env("NEON_PROJECT_ID"),
    parentBranchId: env("NEON_PARENT_BRANCH_ID"),
    database: env("NEON_DATABASE"),
    role: env("NEON_ROLE"),
  },
  workerSecrets: command === "up" ? z.record(z.string(), z.string()).parse(JSON.parse(env("PREVIEW_WORKER_SECRETS"))) : {},
  log: (line) => console.log(line),
};

if (command === "down") {
  await runTeardown(teardownPlan(resources), tools);
  console.log(`preview pr-${pr} removed`);
} else {
  await runSetup(setupPlan(resources), tools);
  const url = `https://${previewNames({ pr, domain }).host}`;
  const smoke = await tools.smoke(`${url}/health/ready`);
  console.log(`smoke ${url}/health/ready: HTTP ${smoke.status} after ${smoke.attempts} attempt(s)`);
  if (!smoke.ok) process.exit(1);
  console.log(`preview_url=${url}`);
}
