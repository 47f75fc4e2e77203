// What one new Postgres connection costs, by authentication method: the hub opens one per request
// (and per queue batch), so this is a floor under every database-touching route. Connections go the
// Worker's way (the Neon serverless driver through the WebSocket proxy); the client side here is
// Node, whose CPU is printed too (the driver computes SCRAM's PBKDF2 rounds in JavaScript).
//
//   npx tsx bench/postgres-connections.ts
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nodePool } from "../scripts/lib/node-db";
import { startStack } from "../scripts/lib/stack";
import { describeEnvironment, formatEnvironment } from "./lib/environment";
import { table } from "./lib/report";
import { fmt } from "./lib/stats";

const ROOT = new URL("../", import.meta.url).pathname;
const METHODS = [
  { method: "scram-sha-256", connections: 30 },
  { method: "password", connections: 200 },
  { method: "trust", connections: 200 },
] as const;

console.log(`\`\`\`\n${formatEnvironment(describeEnvironment("npx tsx bench/postgres-connections.ts"))}\n\`\`\`\n`);
const stack = await startStack({ dataDir: join(ROOT, ".data", `bench-connections-${process.pid}`), fresh: true, ephemeral: true });
try {
  const pgData = join(stack.postgres.dataDir, "pgdata");
  const postmaster = Number(readFileSync(join(pgData, "postmaster.pid"), "utf8").split("\n")[0]);
  // utime + stime + cutime + cstime of the postmaster: the server and every backend that has ended.
  const serverCpuS = () => {
    const stat = readFileSync(`/proc/${postmaster}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
    return (fields[11]! + fields[12]! + fields[13]! + fields[14]!) / 100;
  };
  const rows: (string | number)[][] = [];
  let current = "scram-sha-256";
  for (const { method, connections } of METHODS) {
    const hba = join(pgData, "pg_hba.conf");
    writeFileSync(hba, readFileSync(hba, "utf8").replace(new RegExp(`^(host\\s.*\\s)${current}\\s*$`, "gm"), `$1${method}`));
    const admin = nodePool(stack.postgres.url, stack.proxy.address);
    await admin.query("SELECT pg_reload_conf()");
    await admin.end();
    current = method;
    const server0 = serverCpuS();
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < connections; i++) {
      const pool = nodePool(stack.postgres.url, stack.proxy.address);
      await pool.query("SELECT 1");
      await pool.end();
    }
    const client = process.cpuUsage(client0);
    rows.push([
      method,
      connections,
      fmt(((serverCpuS() - server0) * 1000) / connections),
      fmt((client.user + client.system) / 1000 / connections),
      fmt((performance.now() - t0) / connections),
    ]);
  }
  console.log(table(["auth", "connections", "Postgres CPU ms/connection", "client (Node) CPU ms/connection", "wall ms/connection"], rows));
} finally {
  await stack.stop();
}
