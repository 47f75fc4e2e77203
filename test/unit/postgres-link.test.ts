// The local database path as the hub sees it: the Neon driver's one-shot HTTP queries through the
// Neon SQL-over-HTTP stand-in, sessions through the WebSocket proxy, and the fault link between them
// and Postgres (latency, outage, dropped connections).
import { neon, neonConfig } from "@neondatabase/serverless";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultLink, OrderedDelay } from "../../scripts/lib/faults";
import { startNeonHttp, type NeonHttpStandIn } from "../../scripts/lib/neon-http";
import { nodePool } from "../../scripts/lib/node-db";
import { startPostgres, type PostgresCluster } from "../../scripts/lib/postgres";
import { startWsProxy, type WsProxy } from "../../scripts/lib/ws-proxy";

describe("OrderedDelay", () => {
  it("never lets a chunk overtake the one before it, whatever the jitter", async () => {
    const delays = [40, 1, 25, 0, 10];
    const queue = new OrderedDelay(() => delays.shift() ?? 0);
    const seen: number[] = [];
    await new Promise<void>((resolve) => {
      for (let i = 0; i < 5; i++) queue.push(() => {
        seen.push(i);
        if (seen.length === 5) resolve();
      });
    });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });
});

describe("FaultLink", () => {
  it("refuses during an outage, drops live connections, and admits again after it", async () => {
    const link = new FaultLink("test");
    let closed = 0;
    link.track(() => closed++);
    link.outage(0.2);
    expect(closed).toBe(1);
    expect(link.admit()).toBe(false);
    await new Promise((r) => setTimeout(r, 250));
    expect(link.admit()).toBe(true);
    expect(link.stats()).toMatchObject({ opened: 1, refused: 1, dropped: 1, downUntil: 0 });
    expect(() => link.set({ latencyMs: [10, 5] })).toThrow(/latencyMs/);
  });
});

describe("Neon HTTP stand-in and WebSocket proxy on a real Postgres", () => {
  let pg: PostgresCluster;
  let proxy: WsProxy;
  let standIn: NeonHttpStandIn;
  let standInProxy: WsProxy;
  const link = new FaultLink("postgres");
  beforeAll(async () => {
    pg = await startPostgres({ dataDir: join(process.cwd(), ".data", `pg-link-${process.pid}`), fresh: true, ephemeral: true });
    proxy = await startWsProxy(0, link);
    standInProxy = await startWsProxy(0, link.withoutDistance());
    standIn = await startNeonHttp(standInProxy.address, { poolSize: 2, link });
    neonConfig.fetchEndpoint = () => `http://${standIn.address}/sql`;
  }, 60_000);
  afterAll(async () => {
    await standIn?.close();
    await standInProxy?.close();
    await proxy?.close();
    pg?.stop();
  });

  it("answers the driver's one-shot queries and batches with typed values", async () => {
    const sql = neon(pg.url);
    const rows = await sql.query("SELECT $1::int + 1 AS n, now() AS at, '{\"a\":1}'::jsonb AS doc, NULL::text AS nothing", [41]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ n: 42, doc: { a: 1 }, nothing: null });
    expect(rows[0]!.at).toBeInstanceOf(Date);
    const [created, inserted] = await sql.transaction([
      sql.query("CREATE TABLE IF NOT EXISTS link_t (id int PRIMARY KEY)"),
      sql.query("INSERT INTO link_t VALUES (1), (2) RETURNING id"),
    ]);
    expect(created).toEqual([]);
    expect(inserted).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it("rolls a failing batch back whole and reports the Postgres error code", async () => {
    const sql = neon(pg.url);
    await expect(sql.transaction([
      sql.query("INSERT INTO link_t VALUES (3)"),
      sql.query("INSERT INTO link_t VALUES (1)"),
    ])).rejects.toMatchObject({ code: "23505" });
    const rows = await sql.query("SELECT count(*)::int AS n FROM link_t");
    expect(rows[0]).toEqual({ n: 2 });
  });

  it("adds the link's round trip to each query, and fails fast while Postgres is down", async () => {
    const sql = neon(pg.url);
    await sql.query("SELECT 1"); // warm the stand-in's connection
    link.set({ latencyMs: [60, 60] });
    const t0 = performance.now();
    await sql.query("SELECT 1");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
    // A batch crosses the distance once, however many statements it holds (5 here, with BEGIN and COMMIT).
    const t1 = performance.now();
    await sql.transaction([sql.query("SELECT 1"), sql.query("SELECT 2"), sql.query("SELECT 3")]);
    const batchMs = performance.now() - t1;
    expect(batchMs).toBeGreaterThanOrEqual(55);
    expect(batchMs).toBeLessThan(4 * 60); // five crossings would be 300 ms
    link.clear();

    link.outage(30);
    await expect(sql.query("SELECT 1")).rejects.toThrow(/HTTP status 503/);
    const pool = nodePool(pg.url, proxy.address);
    await expect(pool.query("SELECT 1")).rejects.toThrow();
    await pool.end().catch(() => undefined);
    link.restore();
    const rows = await sql.query("SELECT 1 AS one");
    expect(rows).toEqual([{ one: 1 }]);
    expect(link.stats().dropped).toBeGreaterThanOrEqual(1);
  });
});
