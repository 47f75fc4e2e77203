// `npm run db:migrate`: applies db/migrations to DATABASE_URL (through DB_WS_PROXY when set).
// Safe to run twice: applied migrations are recorded in schema_migrations.
import { applyMigrations } from "../db/migrate";
import { readDevVars } from "./lib/dev-vars";
import { readMigrations } from "./lib/migrations";
import { nodePool, withRunner } from "./lib/node-db";

const vars = { ...readDevVars(), ...process.env };
if (!vars.DATABASE_URL) {
  console.error("db:migrate needs DATABASE_URL (environment or .dev.vars); `npm run dev` sets up a local one.");
  process.exit(1);
}
const pool = nodePool(vars.DATABASE_URL, vars.DB_WS_PROXY);
try {
  const applied = await withRunner(pool, (runner) => applyMigrations(runner, readMigrations()));
  console.log(applied.length ? `applied: ${applied.join(", ")}` : "schema up to date");
} finally {
  await pool.end();
}
