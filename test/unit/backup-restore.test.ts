// Backups on a real Postgres: the hub's database (migrated, seeded, with operator rows) is dumped by
// scripts/backup-database.sh (encrypted), restored by scripts/restore-database.sh into a fresh
// database, and every table comes back with the same row count and checksum. A corrupted, truncated
// or missing copy gives a clear error and leaves the target untouched; 30 daily copies are kept.
import { spawn } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations } from "../../db/migrate";
import { readMigrations } from "../../scripts/lib/migrations";
import { nodePool, withRunner } from "../../scripts/lib/node-db";
import { startPostgres, type PostgresCluster } from "../../scripts/lib/postgres";
import { startWsProxy, type WsProxy } from "../../scripts/lib/ws-proxy";
import { seedDemoUser } from "../../scripts/seed";

const dir = mkdtempSync(join(tmpdir(), "hph-backup-"));
chmodSync(dir, 0o755);
const backups = join(dir, "backups");
const key = "a backup key that only the operators hold";
let cluster: PostgresCluster;
let proxy: WsProxy;

function run(script: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawn("bash", [script, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (out += c));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, out })));
}

const urlOf = (database: string) => cluster.url.replace(/\/[^/]+$/, `/${database}`);

async function sql<T = Record<string, unknown>>(database: string, text: string): Promise<T[]> {
  const pool = nodePool(urlOf(database), proxy.address);
  try {
    return (await pool.query(text)).rows as T[];
  } finally {
    await pool.end();
  }
}

/** Row count and an order-independent checksum of every table. */
async function fingerprint(database: string): Promise<Record<string, string>> {
  const tables = await sql<{ name: string }>(database, "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
  const result: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await sql<{ n: string; sum: string | null }>(database, `SELECT count(*)::text AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS sum FROM "${name}" t`);
    result[name] = `${row!.n}:${row!.sum ?? ""}`;
  }
  return result;
}

const backup = (env: Record<string, string> = {}) =>
  run("scripts/backup-database.sh", [], { DATABASE_URL: cluster.url, BACKUP_DIR: backups, BACKUP_ENCRYPTION_KEY: key, ...env });
const restore = (file: string, database: string) => run("scripts/restore-database.sh", [file, urlOf(database)], { BACKUP_ENCRYPTION_KEY: key });

beforeAll(async () => {
  cluster = await startPostgres({ dataDir: join(dir, "pg"), fresh: true, ephemeral: true });
  proxy = await startWsProxy();
  const pool = nodePool(cluster.url, proxy.address);
  try {
    await withRunner(pool, (r) => applyMigrations(r, readMigrations()));
    await seedDemoUser(pool, { days: 40 });
    await pool.query(`INSERT INTO dead_letters (queue, message_id, body, reason, attempts) VALUES ('hub-ingest', 'm-1', '{"kind":"x"}', 'invalid message', 1)`);
    await pool.query(`INSERT INTO dead_letter_replays (dead_letter_id, queue, message_id, replayed_by) SELECT id, queue, message_id, 'oncall@example.com' FROM dead_letters`);
  } finally {
    await pool.end();
  }
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("backup and restore", () => {
  it("restores into a fresh database with equal row counts and per-table checksums", async () => {
    const made = await backup();
    expect(made.code, made.out).toBe(0);
    const file = join(backups, `hub-${new Date().toISOString().slice(0, 10)}.dump.enc`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Encrypted: not readable as a pg_dump archive (which starts with "PGDMP").
    expect(readFileSync(file).subarray(0, 5).toString()).not.toBe("PGDMP");

    await sql(cluster.url.split("/").at(-1)!, "CREATE DATABASE restored");
    const restored = await restore(file, "restored");
    expect(restored.code, restored.out).toBe(0);
    const source = await fingerprint(cluster.url.split("/").at(-1)!);
    expect(Object.keys(source)).toEqual(expect.arrayContaining(["users", "sleep_daily", "hrv_daily", "readiness_snapshots", "dead_letters", "dead_letter_replays"]));
    expect(Number(source.sleep_daily!.split(":")[0])).toBeGreaterThan(0);
    expect(await fingerprint("restored")).toEqual(source);
    // The append-only rule of audit_log came back with the table.
    await sql("restored", "INSERT INTO audit_log (actor_ref, action, resource) VALUES ('drill', 'restore', 'database')");
    await expect(sql("restored", "DELETE FROM audit_log")).rejects.toThrow(/append-only/);
  }, 120_000);

  it("refuses a corrupted, truncated or missing copy with a clear error and touches nothing", async () => {
    const file = join(backups, `hub-${new Date().toISOString().slice(0, 10)}.dump.enc`);
    await sql(cluster.url.split("/").at(-1)!, "CREATE DATABASE untouched");

    const corrupted = join(dir, "corrupted.dump.enc");
    const bytes = readFileSync(file);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = bytes[middle]! ^ 0xff;
    writeFileSync(corrupted, bytes);
    copyFileSync(`${file}.sha256`, `${corrupted}.sha256`);
    writeFileSync(`${corrupted}.sha256`, readFileSync(`${corrupted}.sha256`, "utf8").replace(/ .*$/s, "  corrupted.dump.enc\n"));
    const checksum = await restore(corrupted, "untouched");
    expect(checksum.code).toBe(3);
    expect(checksum.out).toContain("backup file is corrupted");

    // No checksum beside it, and cut in half: caught when decrypting or reading the archive.
    const truncated = join(dir, "truncated.dump.enc");
    writeFileSync(truncated, readFileSync(file).subarray(0, Math.floor(bytes.length / 2)));
    const cut = await restore(truncated, "untouched");
    expect(cut.code).toBe(3);
    expect(cut.out).toMatch(/could not be decrypted|not a readable pg_dump archive|rolled back/);

    const missing = await restore(join(dir, "no-such.dump.enc"), "untouched");
    expect(missing.code).toBe(2);
    expect(missing.out).toContain("backup file not found");

    expect(await sql("untouched", "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).toEqual([]);
  }, 60_000);

  it("keeps the newest 30 daily copies", async () => {
    // 35 older daily copies: 2025-01-01 … 2025-02-04.
    for (let day = 0; day < 35; day++) {
      const date = new Date(Date.UTC(2025, 0, 1 + day)).toISOString().slice(0, 10);
      writeFileSync(join(backups, `hub-${date}.dump.enc`), "old copy");
    }
    const made = await backup();
    expect(made.code, made.out).toBe(0);
    const copies = readdirSync(backups).filter((f) => /^hub-\d{4}-\d{2}-\d{2}\.dump\.enc$/.test(f)).sort();
    expect(copies).toHaveLength(30);
    expect(copies.at(-1)).toBe(`hub-${new Date().toISOString().slice(0, 10)}.dump.enc`);
    // The newest 29 old ones stay: 2025-01-07 … 2025-02-04.
    expect(copies[0]).toBe("hub-2025-01-07.dump.enc");
  }, 60_000);
});
