// Fallback for machines without Postgres server binaries (local dev only; tests always use the real
// server): PGlite, Postgres compiled to WebAssembly, served on a loopback port by pglite-socket.
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { PostgresCluster } from "./postgres";
import { freePort } from "./ports";

export async function startEmbeddedPostgres(opts: { dataDir: string; port?: number }): Promise<PostgresCluster> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const dataDir = resolve(opts.dataDir, "pglite");
  mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir });
  const port = opts.port ?? (await freePort());
  const server = new PGLiteSocketServer({ db, port, host: "127.0.0.1", maxConnections: 20 });
  await server.start();
  return {
    // PGlite accepts any credentials; the database name is its single database.
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    stop: () => {
      void server.stop().then(() => db.close());
    },
  };
}
