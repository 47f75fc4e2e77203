// The simulators' latency and fault layer (scripts/sim/faults.ts), seen from a client as the hub
// would see a slow or failing vendor.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControl } from "../../scripts/sim/control";
import { NetworkFaults } from "../../scripts/sim/faults";
import { listen, Router, sendJson, type RunningServer } from "../../scripts/sim/http";
import { startSimulators, type Simulators } from "../../scripts/sim/index";

let sims: Simulators;
let control: RunningServer;

beforeAll(async () => {
  sims = await startSimulators();
  control = await startControl(sims);
});

afterAll(async () => {
  await control.stop();
  await sims.stop();
});

async function statusOf(url: string): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** A one-route server behind its own layer, with a clock the test moves. */
async function fakeVendor(clock: { now: number }): Promise<{ faults: NetworkFaults; server: RunningServer }> {
  const faults = new NetworkFaults({ now: () => clock.now });
  const router = new Router()
    .intercept(faults)
    .on("GET", "/v1/items", ({ res }) => sendJson(res, 200, { items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item-${i}` })) }))
    .on("GET", "/v1/profile", ({ res }) => sendJson(res, 200, { id: "p1" }));
  return { faults, server: await listen(router) };
}

describe("vendor rate-limit bursts", () => {
  it("answers Oura-style 429s with Retry-After for the next N calls, then the vendor answers again", async () => {
    sims.oura.network.rateLimit({ count: 2, resetSeconds: 30 });
    const url = `${sims.oura.url}/v2/usercollection/personal_info`;
    const first = await statusOf(url);
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after")).toBe("30");
    expect(first.body).toEqual({ detail: "simulated HTTP 429" });
    expect((await statusOf(url)).status).toBe(429);
    // The simulator's own answer to a call without a token.
    expect((await statusOf(url)).status).toBe(401);
  });

  it("answers WHOOP-style 429s with X-RateLimit-Reset and no Retry-After", async () => {
    sims.whoop.network.rateLimit({ count: 1, resetSeconds: 42 });
    const limited = await statusOf(`${sims.whoop.apiBase}/v2/user/profile/basic`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("x-ratelimit-reset")).toBe("42");
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(limited.headers.get("retry-after")).toBeNull();
    expect(limited.body).toEqual({ error: "simulated HTTP 429" });
  });

  it("records the simulated answers in the simulator's request log", async () => {
    sims.whoop.network.failures({ count: 1, status: 502, path: "^/developer/v2/activity/sleep/" });
    expect((await statusOf(`${sims.whoop.apiBase}/v2/activity/sleep/abc`)).status).toBe(502);
    expect(sims.whoop.requests.at(-1)).toMatchObject({ path: "/developer/v2/activity/sleep/abc", status: 502 });
  });
});

describe("5xx bursts", () => {
  it("fails every matching request for N seconds and stops when the time is up", async () => {
    const clock = { now: 1_000_000 };
    const { faults, server } = await fakeVendor(clock);
    try {
      faults.failures({ status: 503, seconds: 30 });
      expect((await statusOf(`${server.url}/v1/profile`)).status).toBe(503);
      clock.now += 29_000;
      expect((await statusOf(`${server.url}/v1/items`)).status).toBe(503);
      clock.now += 1_000;
      expect((await statusOf(`${server.url}/v1/profile`)).status).toBe(200);
      expect(faults.stats().failed).toEqual({ 503: 2 });
    } finally {
      await server.stop();
    }
  });

  it("fails only the paths the rule names, and clear() ends every rule", async () => {
    const clock = { now: 0 };
    const { faults, server } = await fakeVendor(clock);
    try {
      faults.failures({ status: 500, path: "^/v1/items$" });
      expect((await statusOf(`${server.url}/v1/profile`)).status).toBe(200);
      expect((await statusOf(`${server.url}/v1/items`)).status).toBe(500);
      expect((await statusOf(`${server.url}/v1/items`)).status).toBe(500);
      faults.clear();
      expect((await statusOf(`${server.url}/v1/items`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it("refuses a rule it cannot honour", () => {
    const faults = new NetworkFaults();
    expect(() => faults.failures({ status: 404 as 500 })).toThrow(/status/);
    expect(() => faults.setLatency({ minMs: 300, maxMs: 100 })).toThrow(/maxMs/);
    expect(() => faults.rateLimit({ resetSeconds: -1 })).toThrow(/resetSeconds/);
  });
});

describe("latency and slow bodies", () => {
  it("holds every request at least the minimum latency before the vendor answers", async () => {
    const clock = { now: 0 };
    const { faults, server } = await fakeVendor(clock);
    try {
      faults.setLatency({ minMs: 150, maxMs: 200 });
      const started = performance.now();
      expect((await statusOf(`${server.url}/v1/profile`)).status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(150);
      expect(faults.stats()).toMatchObject({ requests: 1, delayed: 1 });
      faults.setLatency(null);
      await statusOf(`${server.url}/v1/profile`);
      expect(faults.stats()).toMatchObject({ requests: 2, delayed: 1 });
    } finally {
      await server.stop();
    }
  });

  it("sends the headers at once and trickles an intact body in pieces", async () => {
    const clock = { now: 0 };
    const { faults, server } = await fakeVendor(clock);
    try {
      faults.slowBodies({ count: 1, durationMs: 400, chunks: 8 });
      const received = await new Promise<{ pieces: number; body: string; headersToEndMs: number }>((resolve, reject) => {
        request(`${server.url}/v1/items`, (res) => {
          const headersAt = performance.now();
          const pieces: Buffer[] = [];
          res.on("data", (piece: Buffer) => pieces.push(piece));
          res.on("end", () => resolve({ pieces: pieces.length, body: Buffer.concat(pieces).toString("utf8"), headersToEndMs: performance.now() - headersAt }));
          res.on("error", reject);
        })
          .on("error", reject)
          .end();
      });
      expect(received.pieces).toBeGreaterThan(1);
      expect(received.headersToEndMs).toBeGreaterThanOrEqual(300);
      expect((JSON.parse(received.body) as { items: unknown[] }).items).toHaveLength(200);
      expect(faults.stats().slowed).toBe(1);
    } finally {
      await server.stop();
    }
  });
});

describe("control channel", () => {
  async function call(target: string, method: string, ...args: unknown[]): Promise<Response> {
    return fetch(`${control.url}/call`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ target, method, args }),
    });
  }

  it("sets and clears a vendor's faults at run time and reports its counters", async () => {
    expect((await call("whoop-network", "failures", { status: 503, count: 5 })).status).toBe(200);
    expect((await statusOf(`${sims.whoop.apiBase}/v2/user/profile/basic`)).status).toBe(503);
    expect((await call("whoop-network", "clear")).status).toBe(200);
    expect((await statusOf(`${sims.whoop.apiBase}/v2/user/profile/basic`)).status).toBe(401);
    const stats = (await (await call("whoop-network", "stats")).json()) as { result: { failed: Record<string, number> } };
    expect(stats.result.failed["503"]).toBeGreaterThanOrEqual(1);
  });

  it("answers 400 to a malformed rule and to a method the layer does not offer", async () => {
    const bad = await call("oura-network", "setLatency", { minMs: "slow" });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/minMs/);
    expect((await call("oura-network", "intercept")).status).toBe(400);
  });
});
