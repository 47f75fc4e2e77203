// The post-deploy smoke test, against a local server standing in for a freshly deployed host.
import { afterEach, describe, expect, it } from "vitest";
import { smokeTest } from "../../scripts/lib/smoke";
import { listen, Router, sendJson, type RunningServer } from "../../scripts/sim/http";

let server: RunningServer | undefined;
afterEach(() => server?.stop());

async function host(answers: number[], seen: Record<string, string | undefined>[] = []): Promise<string> {
  const router = new Router().on("GET", "/health/ready", ({ req, res }) => {
    seen.push({ id: req.headers["cf-access-client-id"] as string, secret: req.headers["cf-access-client-secret"] as string });
    const status = answers.shift() ?? 200;
    if (status === 302) {
      res.writeHead(302, { location: "https://team.cloudflareaccess.com/login" });
      res.end();
    } else sendJson(res, status, { status });
  });
  server = await listen(router);
  return `${server.url}/health/ready`;
}

describe("smoke test", () => {
  it("retries while the new host is not ready, and passes the Access service token", async () => {
    const seen: Record<string, string | undefined>[] = [];
    const url = await host([503, 503, 200], seen);
    const result = await smokeTest({ url, accessClientId: "id.access", accessClientSecret: "s3cret", attempts: 5, delayMs: 1 });
    expect(result).toEqual({ ok: true, status: 200, attempts: 3 });
    expect(seen.every((headers) => headers.id === "id.access" && headers.secret === "s3cret")).toBe(true);
  });

  it("fails on Access's login redirect instead of following it to a page that answers 200", async () => {
    const url = await host([302, 302]);
    expect(await smokeTest({ url, attempts: 2, delayMs: 1 })).toEqual({ ok: false, status: 302, attempts: 2 });
  });

  it("fails when nothing answers", async () => {
    const url = await host([]);
    await server!.stop();
    server = undefined;
    expect(await smokeTest({ url, attempts: 2, delayMs: 1 })).toEqual({ ok: false, status: 0, attempts: 2 });
  });
});
