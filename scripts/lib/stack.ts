// The local stack the hub needs, started by the project itself: Postgres (the machine's binaries),
// the WebSocket proxy for the Neon driver, and the vendor and identity-provider simulators.
// Used by `npm run dev`, the test suite's global setup and the benchmarks.
import { randomBytes } from "node:crypto";
import { applyMigrations } from "../../db/migrate";
import { readMigrations } from "./migrations";
import { nodePool, withRunner } from "./node-db";
import { startEmbeddedPostgres } from "./embedded-postgres";
import { postgresBinDir, startPostgres, type PostgresCluster } from "./postgres";
import { newStackFaults, type StackFaults } from "./faults";
import { startNeonHttp, type NeonHttpStandIn } from "./neon-http";
import { startWsProxy, type WsProxy } from "./ws-proxy";
import { startSimulators, type Simulators, type SimulatorsOptions } from "../sim/index";

export interface Stack {
  postgres: PostgresCluster;
  proxy: WsProxy;
  /** Neon's SQL-over-HTTP endpoint, locally (scripts/lib/neon-http.ts). */
  neonHttp: NeonHttpStandIn;
  sims: Simulators;
  /** Run-time latency and fault control (scripts/lib/faults.ts). */
  faults: StackFaults;
  /** DB_WS_PROXY and DB_HTTP_PROXY of the path behind `faults.isolatedPostgres`. */
  isolatedVars: { DB_WS_PROXY: string; DB_HTTP_PROXY: string };
  /** Worker vars and secrets pointing at this stack (the contract's names). */
  vars: Record<string, string>;
  stop(): Promise<void>;
}

export interface StackOptions {
  dataDir: string;
  fresh?: boolean;
  ephemeral?: boolean;
  pgPort?: number;
  /** Postgres server settings beyond the defaults (`name=value` each). */
  postgresSettings?: string[];
  /** Allow the embedded PGlite fallback when the machine has no Postgres binaries (dev only). */
  allowEmbedded?: boolean;
  /** Simulator options (ports, seeded history). */
  simulators?: Omit<SimulatorsOptions, "oura" | "whoop">;
  /** Secrets to reuse (a dev stack keeps them across restarts so stored tokens stay readable); generated when absent. */
  secrets?: Partial<StackSecrets>;
}

export interface StackSecrets {
  OURA_CLIENT_SECRET: string;
  WHOOP_CLIENT_SECRET: string;
  OURA_WEBHOOK_VERIFICATION_TOKEN: string;
  TOKEN_ENCRYPTION_KEYS: string;
}

export function newSecrets(): StackSecrets {
  return {
    OURA_CLIENT_SECRET: randomBytes(24).toString("base64url"),
    WHOOP_CLIENT_SECRET: randomBytes(24).toString("base64url"),
    OURA_WEBHOOK_VERIFICATION_TOKEN: randomBytes(12).toString("base64url"),
    TOKEN_ENCRYPTION_KEYS: newEncryptionKey(),
  };
}

/** A fresh AES-256 key in TOKEN_ENCRYPTION_KEYS format (`kid:base64`, newest first). */
export function newEncryptionKey(kid = "k1"): string {
  return `${kid}:${randomBytes(32).toString("base64")}`;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  let postgres: PostgresCluster;
  if (postgresBinDir() || !opts.allowEmbedded) {
    postgres = await startPostgres({ dataDir: opts.dataDir, fresh: opts.fresh, ephemeral: opts.ephemeral, port: opts.pgPort, settings: opts.postgresSettings });
  } else {
    console.log("[postgres] no Postgres server binaries on this machine: using embedded PGlite (dev only, no TimescaleDB)");
    postgres = await startEmbeddedPostgres({ dataDir: opts.dataDir, port: opts.pgPort });
  }
  let proxy: WsProxy | undefined;
  /** The HTTP stand-ins' own paths to Postgres (the links' faults without their distance). */
  const standInProxies: WsProxy[] = [];
  let neonHttp: NeonHttpStandIn | undefined;
  let isolated: { proxy: WsProxy; neonHttp: NeonHttpStandIn } | undefined;
  let sims: Simulators | undefined;
  const faults = newStackFaults();
  const secrets = { ...newSecrets(), ...opts.secrets };
  const ouraClient = { clientId: "hub-oura-client", clientSecret: secrets.OURA_CLIENT_SECRET };
  const whoopClient = { clientId: "hub-whoop-client", clientSecret: secrets.WHOOP_CLIENT_SECRET };
  try {
    proxy = await startWsProxy(0, faults.postgres);
    standInProxies.push(await startWsProxy(0, faults.postgres.withoutDistance()));
    neonHttp = await startNeonHttp(standInProxies[0]!.address, { link: faults.postgres });
    const isolatedProxy = await startWsProxy(0, faults.isolatedPostgres);
    standInProxies.push(await startWsProxy(0, faults.isolatedPostgres.withoutDistance()));
    isolated = { proxy: isolatedProxy, neonHttp: await startNeonHttp(standInProxies[1]!.address, { link: faults.isolatedPostgres }) };
    sims = await startSimulators({ ...opts.simulators, oura: ouraClient, whoop: whoopClient });
    const pool = nodePool(postgres.url, proxy.address);
    try {
      await withRunner(pool, (runner) => applyMigrations(runner, readMigrations()));
    } finally {
      await pool.end();
    }
  } catch (error) {
    await sims?.stop();
    await neonHttp?.close();
    await isolated?.neonHttp.close();
    await isolated?.proxy.close();
    for (const standInProxy of standInProxies) await standInProxy.close();
    await proxy?.close();
    postgres.stop();
    throw error;
  }
  const vars: Record<string, string> = {
    DATABASE_URL: postgres.url,
    DB_WS_PROXY: proxy.address,
    DB_HTTP_PROXY: neonHttp.address,
    ...sims.env,
    OURA_WEBHOOK_VERIFICATION_TOKEN: secrets.OURA_WEBHOOK_VERIFICATION_TOKEN,
    OURA_REVOKE_URL: `${sims.oura.url}/oauth/revoke`,
    TOKEN_ENCRYPTION_KEYS: secrets.TOKEN_ENCRYPTION_KEYS,
  };
  const started = sims;
  const standIn = neonHttp;
  const isolatedPath = isolated!;
  return {
    postgres,
    proxy,
    neonHttp: standIn,
    sims: started,
    faults,
    isolatedVars: { DB_WS_PROXY: isolatedPath.proxy.address, DB_HTTP_PROXY: isolatedPath.neonHttp.address },
    vars,
    stop: async () => {
      await started.stop();
      await standIn.close();
      await isolatedPath.neonHttp.close();
      await isolatedPath.proxy.close();
      for (const standInProxy of standInProxies) await standInProxy.close();
      await proxy.close();
      postgres.stop();
    },
  };
}
