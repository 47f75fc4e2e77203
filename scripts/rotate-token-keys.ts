// `tsx scripts/rotate-token-keys.ts`: re-encrypts every stored vendor token that is not under the
// newest key of TOKEN_ENCRYPTION_KEYS, so that an old key can be removed from the list afterwards.
//
// Rotation: put the new key first (`k2:...,k1:...`) and deploy; new writes use k2 at once. Then run
// this script (DATABASE_URL, TOKEN_ENCRYPTION_KEYS, optional DB_WS_PROXY; from the environment or
// .dev.vars) until it reports nothing left, and only then drop k1 from the list.
//
// Safe to run while the Worker serves: each row is replaced only if it still holds the ciphertext
// that was read (a token refresh that happened meanwhile already wrote under the newest key).
import { pathToFileURL } from "node:url";
import type { SqlRunner } from "../db/migrate";
import { decryptToken, encryptToken, parseKeyRing, type KeyRing } from "../workers/lib/token-crypto";
import { readDevVars } from "./lib/dev-vars";
import { nodePool } from "./lib/node-db";

export interface RotationReport {
  /** Rows found under an older key. */
  found: number;
  rotated: number;
  /** Rows another writer changed between read and write (already re-sealed by that writer). */
  changedMeanwhile: number;
  /** Connection ids whose tokens could not be opened (key id not in the ring, or damaged). */
  unreadable: string[];
}

/**
 * The additional authenticated data that binds each ciphertext to its row, as
 * workers/connections/tokens.ts seals them (a workerd test holds the two in step).
 */
export const tokenAad = {
  access: (connectionId: string) => `${connectionId}:access`,
  refresh: (connectionId: string) => `${connectionId}:refresh`,
};

interface SealedRow {
  id: string;
  access_token_enc: string;
  refresh_token_enc: string | null;
}

export async function rotateTokenKeys(db: Pick<SqlRunner, "query">, ring: KeyRing, batchSize = 200): Promise<RotationReport> {
  const report: RotationReport = { found: 0, rotated: 0, changedMeanwhile: 0, unreadable: [] };
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const rows = await db.query<SealedRow>(
      `SELECT id::text AS id, access_token_enc, refresh_token_enc FROM connections
       WHERE id > $1::uuid AND (split_part(access_token_enc, ':', 1) <> $2 OR split_part(refresh_token_enc, ':', 1) <> $2)
       ORDER BY id LIMIT $3`,
      [after, ring.current, batchSize],
    );
    for (const row of rows) {
      report.found += 1;
      await rotateRow(db, ring, row, report);
    }
    if (rows.length < batchSize) return report;
    after = rows.at(-1)!.id;
  }
}

async function rotateRow(db: Pick<SqlRunner, "query">, ring: KeyRing, row: SealedRow, report: RotationReport): Promise<void> {
  const reseal = async (stored: string | null, aad: string) =>
    stored === null ? null : encryptToken(ring, await decryptToken(ring, stored, aad), aad);
  let sealed: { accessTokenEnc: string; refreshTokenEnc: string | null };
  try {
    sealed = {
      accessTokenEnc: (await reseal(row.access_token_enc, tokenAad.access(row.id)))!,
      refreshTokenEnc: await reseal(row.refresh_token_enc, tokenAad.refresh(row.id)),
    };
  } catch {
    report.unreadable.push(row.id);
    return;
  }
  const updated = await db.query(
    `UPDATE connections SET access_token_enc = $2, refresh_token_enc = $3
     WHERE id = $1::uuid AND access_token_enc = $4 AND refresh_token_enc IS NOT DISTINCT FROM $5
     RETURNING id`,
    [row.id, sealed.accessTokenEnc, sealed.refreshTokenEnc, row.access_token_enc, row.refresh_token_enc],
  );
  if (updated.length === 1) report.rotated += 1;
  else report.changedMeanwhile += 1;
}

async function main(): Promise<void> {
  const vars = { ...readDevVars(), ...process.env };
  if (!vars.DATABASE_URL || !vars.TOKEN_ENCRYPTION_KEYS) {
    console.error("rotate-token-keys needs DATABASE_URL and TOKEN_ENCRYPTION_KEYS (environment or .dev.vars).");
    process.exit(1);
  }
  const ring = parseKeyRing(vars.TOKEN_ENCRYPTION_KEYS);
  const pool = nodePool(vars.DATABASE_URL, vars.DB_WS_PROXY);
  try {
    const report = await rotateTokenKeys({ query: async (sql, params) => (await pool.query(sql, params as unknown[])).rows }, ring);
    console.log(
      `current key ${ring.current}: ${report.found} connection(s) under older keys, ${report.rotated} re-encrypted, ` +
        `${report.changedMeanwhile} re-sealed by the Worker meanwhile, ${report.unreadable.length} unreadable`,
    );
    if (report.unreadable.length > 0) {
      console.error(`unreadable connection ids (their key is not in TOKEN_ENCRYPTION_KEYS): ${report.unreadable.join(", ")}`);
      process.exitCode = 2;
    }
  } finally {
    await pool.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
