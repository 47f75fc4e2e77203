// `npx tsx scripts/recompute-readiness.ts [--batch N]`: after a change of the readiness algorithm
// (a new ALGORITHM_VERSION, deployed first), rescores every stored snapshot of an older version from
// the user's history, user by user in id order, against DATABASE_URL (through DB_WS_PROXY when set).
//
// Resumable: the snapshots record the progress. A user whose snapshots all carry the current
// version is skipped, so a run that stopped halfway is simply started again. Writes never replace a
// snapshot computed from newer data (the Worker keeps scoring new nights meanwhile); the Worker
// serves a cached snapshot only when it carries the current version.
import { ALGORITHM_VERSION } from "../workers/readiness";
import { rescoreUser } from "../workers/insights/rescore";
import { usersWithStaleSnapshots } from "../workers/readiness/snapshot-store";
import { readDevVars } from "./lib/dev-vars";
import { nodePool } from "./lib/node-db";

const NIL_UUID = "00000000-0000-0000-0000-000000000000";

function batchSize(argv: string[]): number {
  const at = argv.indexOf("--batch");
  const value = at === -1 ? 100 : Number(argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error("--batch takes a positive integer");
  return value;
}

const vars = { ...readDevVars(), ...process.env };
if (!vars.DATABASE_URL) {
  console.error("recompute-readiness needs DATABASE_URL (environment or .dev.vars).");
  process.exit(1);
}
const batch = batchSize(process.argv.slice(2));
const pool = nodePool(vars.DATABASE_URL, vars.DB_WS_PROXY);
let users = 0;
let snapshots = 0;
try {
  console.log(`rescoring snapshots older than ${ALGORITHM_VERSION}`);
  // The cursor only moves forward, so a user who cannot be rescored (erased meanwhile) is not retried forever.
  for (let after = NIL_UUID; ; ) {
    const ids = await usersWithStaleSnapshots(pool, after, batch);
    if (ids.length === 0) break;
    for (const userId of ids) {
      snapshots += await rescoreUser(pool, userId);
      users += 1;
      after = userId;
    }
    console.log(`progress: ${users} users, ${snapshots} snapshots, last user ${after}`);
  }
  console.log(`done: ${users} users, ${snapshots} snapshots rescored to ${ALGORITHM_VERSION}`);
} finally {
  await pool.end();
}
