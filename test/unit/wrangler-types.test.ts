// The checked-in binding types (workers/worker-configuration.d.ts) must be what `wrangler types`
// makes of the current wrangler.toml; workers/env.ts checks the code's Bindings against them.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";

// The header names the output path and imports are relative to it: compare what remains.
const body = (text: string) =>
  text.split("\n").filter((line) => !line.startsWith("//")).join("\n").replace(/import\("[^"]*index"\)/g, 'import("./index")');

it("worker-configuration.d.ts is current with wrangler.toml (npm run types)", () => {
  const dir = mkdtempSync(join(tmpdir(), "hph-types-"));
  try {
    const out = join(dir, "worker-configuration.d.ts");
    execFileSync("node_modules/.bin/wrangler", ["types", "--include-runtime=false", out], {
      stdio: "pipe",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    expect(body(readFileSync(out, "utf8"))).toBe(body(readFileSync("workers/worker-configuration.d.ts", "utf8")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

it("lets vendor webhook bursts of 1,000/s from one address through the per-IP flood guard, in every environment", async () => {
  const { unstable_readConfig } = await import("wrangler");
  for (const env of [undefined, "staging", "production"]) {
    const limiters = unstable_readConfig({ config: "wrangler.toml", env }).ratelimits as { name: string; simple: { limit: number; period: number } }[];
    const webhook = limiters.find((l) => l.name === "WEBHOOK_RATE_LIMITER");
    expect(webhook, env ?? "top level").toBeDefined();
    expect(webhook!.simple.limit / webhook!.simple.period).toBeGreaterThanOrEqual(1_000);
  }
}, 60_000); // importing wrangler alone can take seconds on a busy machine
