// `npm run dev` as a developer meets it: starts from the repo, prints a URL, a demo token and curl
// lines, answers /health and /health/ready, the printed curl lines work, and a signal stops it all.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { freePort } from "../../scripts/lib/ports";

describe("npm run dev", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "hph-dev-smoke-"));
  // Reachable by the unprivileged Postgres account, so the cluster lives here and goes with it.
  chmodSync(dataDir, 0o755);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("serves the hub with a seeded demo athlete and stops cleanly", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ["scripts/dev.mjs"], {
      env: { ...process.env, PORT: String(port), HUB_DEV_DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      // Ready, or exited early (the assertions below then say what was printed).
      await vi.waitFor(() => {
        if (!output.includes("Ctrl-C stops everything") && child.exitCode === null) throw new Error("the dev runner is not ready yet");
      }, { timeout: 150_000, interval: 250 }).catch(() => undefined);
      expect(output).toContain(`the hub is running at http://127.0.0.1:${port}`);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);

      const curls = [...output.matchAll(/curl -s -H "authorization: Bearer ([^"]+)" "?([^"\s]+)"?/g)];
      expect(curls.length).toBe(2);
      for (const [, token, url] of curls) {
        const res = await fetch(url!, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status, url).toBe(200);
        const body = (await res.json()) as Record<string, unknown>;
        expect(body.error).toBeUndefined();
      }
    } finally {
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
    // Everything it started is gone: the port no longer answers.
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  }, 200_000);
});
