// A project-managed Postgres cluster built from the machine's own server binaries: data in a
// git-ignored folder, listening on a free loopback port only, scram-sha-256 auth.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, chownSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "./ports";

export interface PostgresCluster {
  url: string;
  port: number;
  dataDir: string;
  stop(): void;
}

const DB_USER = "hub";
const DB_NAME = "hub";

export function postgresBinDir(): string | null {
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim());
  } catch {
    /* pg_config missing: try the Debian layout below */
  }
  for (const v of ["17", "16", "15", "14"]) candidates.push(`/usr/lib/postgresql/${v}/bin`);
  return candidates.find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"))) ?? null;
}

const isRoot = () => process.getuid?.() === 0;

/** initdb refuses root, so as root the server runs as the unprivileged `postgres` account. */
function run(bin: string, args: string[]): void {
  const [cmd, argv] = isRoot() ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
  const result = spawnSync(cmd, argv, { encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`${bin.split("/").pop()} failed (${result.status}): ${result.stderr || result.stdout}`);
  }
}

/** The unprivileged server must reach its data folder; a clone inside a private temp folder may not allow it. */
function usableDataDir(preferred: string): string {
  if (!isRoot()) return preferred;
  mkdirSync(preferred, { recursive: true });
  const probe = spawnSync("runuser", ["-u", "postgres", "--", "test", "-x", resolve(preferred, "..")]);
  if (probe.status === 0) return preferred;
  const fallback = join(tmpdir(), `hph-pg-${createHash("sha256").update(resolve(preferred)).digest("hex").slice(0, 12)}`);
  console.log(`[postgres] ${preferred} is not reachable by the postgres account; using ${fallback}`);
  return fallback;
}

function ownForServer(dir: string): void {
  mkdirSync(dir, { recursive: true });
  if (!isRoot()) return;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  chownSync(dir, uid, gid);
  chmodSync(dir, 0o700);
}

/**
 * Starts (initialising on first use) the cluster in `dataDir`. A persistent folder keeps its data and
 * password between runs; `fresh: true` wipes it first, `ephemeral: true` removes it on stop (tests).
 */
export async function startPostgres(opts: {
  dataDir: string;
  port?: number;
  fresh?: boolean;
  ephemeral?: boolean;
  /** Server settings beyond the defaults, `name=value` each (e.g. a benchmark's statement statistics). */
  settings?: string[];
}): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error("no Postgres server binaries found (pg_config --bindir)");
  const dataDir = usableDataDir(resolve(opts.dataDir));
  const pgData = join(dataDir, "pgdata");
  const secretFile = join(dataDir, "password");
  if (opts.fresh) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  if (isRoot()) ownForServer(dataDir);

  if (!existsSync(join(pgData, "PG_VERSION"))) {
    const password = randomBytes(18).toString("base64url");
    writeFileSync(secretFile, password, { mode: 0o600 });
    const pwFile = join(dataDir, "pwfile");
    writeFileSync(pwFile, password, { mode: 0o600 });
    if (isRoot()) execFileSync("chown", ["postgres", pwFile, secretFile]);
    run(join(bin, "initdb"), ["-D", pgData, "-U", DB_USER, "--auth=scram-sha-256", `--pwfile=${pwFile}`, "-E", "UTF8", "--no-locale"]);
    rmSync(pwFile);
  }
  const password = readFileSync(secretFile, "utf8").trim();
  const port = opts.port ?? (await freePort());
  // A server left running by an interrupted run would hold the folder: stop it first.
  if (existsSync(join(pgData, "postmaster.pid"))) {
    spawnSync(isRoot() ? "runuser" : join(bin, "pg_ctl"), isRoot() ? ["-u", "postgres", "--", join(bin, "pg_ctl"), "-D", pgData, "-m", "immediate", "stop"] : ["-D", pgData, "-m", "immediate", "stop"]);
  }
  run(join(bin, "pg_ctl"), [
    "-D", pgData, "-l", join(dataDir, "server.log"), "-w", "-t", "60",
    "-o", `-c listen_addresses=127.0.0.1 -p ${port} -k ${dataDir} -c fsync=off -c max_connections=200${(opts.settings ?? []).map((setting) => ` -c ${setting}`).join("")}`,
    "start",
  ]);
  // The database is created once; later starts find it.
  const psql = join(bin, "psql");
  const env = { ...process.env, PGPASSWORD: password };
  const exists = spawnSync(psql, ["-h", "127.0.0.1", "-p", String(port), "-U", DB_USER, "-d", "postgres", "-tAc", `SELECT 1 FROM pg_database WHERE datname='${DB_NAME}'`], { env, encoding: "utf8" });
  if (exists.stdout.trim() !== "1") {
    const created = spawnSync(psql, ["-h", "127.0.0.1", "-p", String(port), "-U", DB_USER, "-d", "postgres", "-c", `CREATE DATABASE ${DB_NAME}`], { env, encoding: "utf8" });
    if (created.status !== 0) throw new Error(`create database failed: ${created.stderr}`);
  }
  const stop = () => {
    try {
      run(join(bin, "pg_ctl"), ["-D", pgData, "-m", "fast", "-w", "stop"]);
    } catch {
      /* already stopped */
    }
    if (opts.ephemeral) rmSync(dataDir, { recursive: true, force: true });
  };
  return { url: `postgres://${DB_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DB_NAME}`, port, dataDir, stop };
}

/**
 * Switches the cluster's TCP logins from SCRAM to the password in clear text, as Neon's proxy takes
 * it (over TLS there). Takes effect for new connections once the configuration is reloaded: pass a
 * function that runs `SELECT pg_reload_conf()` on a connection of the cluster's.
 */
export async function useClearTextPasswords(cluster: Pick<PostgresCluster, "dataDir">, reload: () => Promise<unknown>): Promise<void> {
  const hba = join(cluster.dataDir, "pgdata", "pg_hba.conf");
  writeFileSync(hba, readFileSync(hba, "utf8").replace(/^(host\s.*\s)scram-sha-256\s*$/gm, "$1password"));
  await reload();
}
