// The session pooler that stands in for Neon's pooled endpoint in load runs (scripts/lib/pg-pooler.ts),
// on a real Postgres, reached as the Worker reaches it: the Neon driver through the WebSocket proxy.
import { join } from "node:path";
import type { Pool } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodePool } from "../../scripts/lib/node-db";
import { startPgPooler, type PgPooler } from "../../scripts/lib/pg-pooler";
import { startPostgres, useClearTextPasswords, type PostgresCluster } from "../../scripts/lib/postgres";
import { startWsProxy, type WsProxy } from "../../scripts/lib/ws-proxy";

describe("session pooler (Neon's pooled endpoint, locally)", () => {
  let pg: PostgresCluster;
  let proxy: WsProxy;
  const poolers: PgPooler[] = [];
  const pools: Pool[] = [];

  async function pooled(maxBackends: number, password?: string): Promise<{ pooler: PgPooler; url: string }> {
    const direct = new URL(pg.url);
    const pooler = await startPgPooler({ target: { host: direct.hostname, port: Number(direct.port) }, password: decodeURIComponent(direct.password), maxBackends });
    poolers.push(pooler);
    const url = new URL(pg.url);
    url.port = String(pooler.port);
    if (password !== undefined) url.password = password;
    return { pooler, url: url.toString() };
  }
  /** One session, as a Worker request has it: connect, work, leave (the connection is closed). */
  async function session<T>(url: string, work: (pool: Pool) => Promise<T>): Promise<T> {
    const pool = nodePool(url, proxy.address, 1);
    pools.push(pool);
    try {
      return await work(pool);
    } finally {
      await pool.end();
    }
  }

  beforeAll(async () => {
    pg = await startPostgres({ dataDir: join(process.cwd(), ".data", `pg-pooler-${process.pid}`), fresh: true, ephemeral: true });
    proxy = await startWsProxy(0);
    const admin = nodePool(pg.url, proxy.address, 1);
    await useClearTextPasswords(pg, () => admin.query("SELECT pg_reload_conf()"));
    await admin.end();
  }, 60_000);
  afterAll(async () => {
    for (const pool of pools) await pool.end().catch(() => undefined);
    for (const pooler of poolers) await pooler.close();
    await proxy?.close();
    pg?.stop();
  });

  it("lends one warm backend to sessions one after another, reset between them", async () => {
    const { pooler, url } = await pooled(4);
    const first = await session(url, async (pool) => {
      await pool.query("SET application_name = 'first-session'");
      return (await pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
    });
    await expect.poll(() => pooler.stats().idle).toBe(1); // reset (DISCARD ALL) and parked
    const second = await session(url, async (pool) => (await pool.query<{ pid: number; name: string }>("SELECT pg_backend_pid() AS pid, current_setting('application_name') AS name")).rows[0]!);
    expect(second.pid).toBe(first);
    expect(second.name).not.toBe("first-session");
    await expect.poll(() => pooler.stats().idle).toBe(1);
    expect(pooler.stats()).toMatchObject({ backendsOpened: 1, clientsServed: 2, idle: 1, busy: 0 });
  });

  it("refuses a wrong password without lending a backend", async () => {
    const { pooler, url } = await pooled(4, "not-the-password");
    await expect(session(url, (pool) => pool.query("SELECT 1"))).rejects.toThrow(/password authentication failed/);
    expect(pooler.stats()).toMatchObject({ backendsOpened: 0, clientsServed: 0 });
  });

  it("never lends a backend its client left inside a transaction: its locks end with it", async () => {
    const { pooler, url } = await pooled(4);
    const pool = nodePool(url, proxy.address, 1);
    pools.push(pool);
    const client = await pool.connect();
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(4242)");
    client.release(new Error("the request died mid-transaction")); // closes the connection
    await expect.poll(() => pooler.stats().busy).toBe(0);
    const locked = await session(url, async (other) => (await other.query<{ got: boolean }>("SELECT pg_try_advisory_xact_lock(4242) AS got")).rows[0]!.got);
    expect(locked).toBe(true);
    expect(pooler.stats().backendsOpened).toBe(2);
  });

  it("takes a backend back when the client waiting for it has left", async () => {
    const { pooler, url } = await pooled(1);
    const holder = nodePool(url, proxy.address, 1);
    pools.push(holder);
    const held = await holder.connect();
    // A second session gives up while it waits (its connect timeout), a third then still gets the backend.
    const impatient = nodePool(url, proxy.address, 1);
    pools.push(impatient);
    (impatient as unknown as { options: { connectionTimeoutMillis: number } }).options.connectionTimeoutMillis = 100;
    await expect(impatient.query("SELECT 1")).rejects.toThrow();
    held.release();
    await holder.end();
    const answer = await session(url, async (pool) => (await pool.query<{ one: number }>("SELECT 1 AS one")).rows[0]!.one);
    expect(answer).toBe(1);
    await expect.poll(() => pooler.stats()).toMatchObject({ backendsOpened: 1, busy: 0, idle: 1 });
  });

  it("makes sessions beyond its backends wait for one instead of failing", async () => {
    const { pooler, url } = await pooled(1);
    const pids = await Promise.all(
      Array.from({ length: 3 }, () => session(url, async (pool) => (await pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid, pg_sleep(0.05)")).rows[0]!.pid)),
    );
    expect(new Set(pids).size).toBe(1);
    expect(pooler.stats()).toMatchObject({ backendsOpened: 1, clientsServed: 3 });
  });

  it("closes while a client is still connected, ending that client's connection", async () => {
    const { pooler, url } = await pooled(1);
    // An idle pooled client (the HTTP stand-in keeps its connections for minutes) must not hold it open.
    const pool = nodePool(url, proxy.address, 1);
    pools.push(pool);
    await pool.query("SELECT 1");
    const closed = await Promise.race([pooler.close().then(() => "closed"), new Promise((resolve) => setTimeout(() => resolve("still open"), 5_000))]);
    expect(closed).toBe("closed");
    await expect(pool.query("SELECT 1")).rejects.toThrow();
  });
});
