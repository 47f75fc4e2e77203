// The local stack the hub needs, started by the project itself: Postgres (the machine's binaries),
// the WebSocket proxy for the Neon driver, and the vendor and identity-provider simulators.
// Used by `npm run dev`, the test suite's global setup and the benchmarks.
import { randomBytes } from "node:crypto";
import { applyMigrations } from "../../db/migrate";
import { readMigrations } from "./migrations";
import { nodePool, withRunner } from "./node-db";
import { startPostgres, type PostgresCluster } from "./postgres";
import { startWsProxy, type WsProxy } from "./ws-proxy";

export interface Stack {
  postgres: PostgresCluster;
  proxy: WsProxy;
  /** Worker vars and secrets pointing at this stack (the contract's names). */
  vars: Record<string, string>;
  stop(): Promise<void>;
}

export interface StackOptions {
  dataDir: string;
  fresh?: boolean;
  ephemeral?: boolean;
  pgPort?: number;
}

/** A fresh AES-256 key in TOKEN_ENCRYPTION_KEYS format (`kid:base64`, newest first). */
export function newEncryptionKey(kid = "k1"): string {
  return `${kid}:${randomBytes(32).toString("base64")}`;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const postgres = await startPostgres({ dataDir: opts.dataDir, fresh: opts.fresh, ephemeral: opts.ephemeral, port: opts.pgPort });
  let proxy: WsProxy | undefined;
  try {
    proxy = await startWsProxy();
    const pool = nodePool(postgres.url, proxy.address);
    try {
      await withRunner(pool, (runner) => applyMigrations(runner, readMigrations()));
    } finally {
      await pool.end();
    }
  } catch (error) {
    await proxy?.close();
    postgres.stop();
    throw error;
  }
  const vars: Record<string, string> = {
    DATABASE_URL: postgres.url,
    DB_WS_PROXY: proxy.address,
    OURA_CLIENT_ID: "hub-oura-client",
    OURA_CLIENT_SECRET: randomBytes(24).toString("base64url"),
    OURA_WEBHOOK_VERIFICATION_TOKEN: randomBytes(12).toString("base64url"),
    WHOOP_CLIENT_ID: "hub-whoop-client",
    WHOOP_CLIENT_SECRET: randomBytes(24).toString("base64url"),
    TOKEN_ENCRYPTION_KEYS: newEncryptionKey(),
    AUTH_ISSUER: "https://idp.hub.local/",
    AUTH_AUDIENCE: "hub-mobile",
    AUTH_JWKS_URL: "http://127.0.0.1:9/.well-known/jwks.json",
  };
  return {
    postgres,
    proxy,
    vars,
    stop: async () => {
      await proxy.close();
      postgres.stop();
    },
  };
}
