// Migration runner core, independent of how files are read and which client runs them, so that the
// same code applies migrations to Postgres (scripts/migrate.ts) and to the TimescaleDB PGlite test.
export interface Migration {
  name: string;
  sql: string;
}

export interface SqlRunner {
  /** Runs one or more statements (simple query protocol, no parameters). */
  exec(sql: string): Promise<void>;
  /** Runs one parameterised statement and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

// Any fixed number works; it only has to be the same for every runner of this project.
const MIGRATION_LOCK_KEY = 7_351_002;

/** Applies the migrations not yet recorded, each in its own transaction; safe to run twice or concurrently. */
export async function applyMigrations(db: SqlRunner, migrations: Migration[]): Promise<string[]> {
  const ordered = [...migrations].sort((a, b) => a.name.localeCompare(b.name));
  await db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
  );
  const applied: string[] = [];
  await db.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
  try {
    const done = new Set(
      (await db.query<{ name: string }>("SELECT name FROM schema_migrations")).map((r) => r.name),
    );
    for (const migration of ordered) {
      if (done.has(migration.name)) continue;
      await db.exec("BEGIN");
      try {
        await db.exec(migration.sql);
        await db.query("INSERT INTO schema_migrations (name) VALUES ($1)", [migration.name]);
        await db.exec("COMMIT");
      } catch (error) {
        await db.exec("ROLLBACK");
        throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`);
      }
      applied.push(migration.name);
    }
  } finally {
    await db.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
  }
  return applied;
}
