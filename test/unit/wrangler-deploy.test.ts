// What would ship: `wrangler deploy --dry-run --outdir` bundles the Worker and resolves every binding
// offline, exactly as a real deploy would before uploading. Checked for the top level (local
// development) and for the staging and production environments.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

function dryRun(env: string | undefined): { output: string; bundle: string } {
  const outdir = mkdtempSync(join(tmpdir(), "hph-dry-run-"));
  try {
    const output = execFileSync("node_modules/.bin/wrangler", ["deploy", "--dry-run", "--outdir", outdir, ...(env ? ["--env", env] : [])], {
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    });
    return { output, bundle: readFileSync(join(outdir, "index.js"), "utf8") };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe("wrangler deploy --dry-run", () => {
  for (const [env, script] of [[undefined, "hub"], ["staging", "hub-staging"], ["production", "hub-production"]] as const) {
    it(`builds ${env ?? "the top level"} with its own queues, the Durable Object and the 120,000/min webhook guard`, () => {
      const { output, bundle } = dryRun(env);
      expect(output).toContain("--dry-run: exiting now.");
      expect(output).toContain("env.USER_READINESS (UserReadiness)");
      expect(output).toContain(`env.INGEST_QUEUE (${script}-ingest)`);
      expect(output).toContain(`env.INSIGHTS_QUEUE (${script}-insights)`);
      expect(output).toContain("env.WEBHOOK_RATE_LIMITER (120000 requests/60s)");
      // The bundle carries the Durable Object class the binding names.
      expect(bundle).toContain("UserReadiness");
    }, 60_000);
  }
});
