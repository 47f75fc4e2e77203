// `npm test`: installs what is missing, typechecks, runs the whole vitest suite (unit + workerd projects; the
// workerd project's global setup starts Postgres, the DB proxy and the simulators), and ends with the
// plain line CI reads: `N passed, N failed`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBrowser } from "./ensure-browser.mjs";
import { ensureDeps } from "./ensure-deps.mjs";

ensureDeps();
// Types first: vitest's transpiler drops types, so a type error would otherwise pass the suite.
const typecheck = spawnSync("npm", ["run", "--silent", "typecheck"], { stdio: "inherit" });
const typeErrors = typecheck.status === 0 ? 0 : 1;
if (typeErrors) console.error("typecheck failed (npm run typecheck): counted as one failure");
// The /ops page is tested in Debian's chromium; without it that test skips and prints why.
const noBrowser = ensureBrowser();
if (noBrowser) console.log(`[setup] the browser test will skip: ${noBrowser}`);
const outDir = mkdtempSync(join(tmpdir(), "hph-test-"));
const report = join(outDir, "vitest.json");
const run = spawnSync(
  "node_modules/.bin/vitest",
  ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { stdio: "inherit", env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" } },
);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const json = JSON.parse(readFileSync(report, "utf8"));
  passed = json.numPassedTests ?? 0;
  failed = (json.numFailedTests ?? 0) + (json.numFailedTestSuites ?? 0);
  skipped = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
} catch {
  failed = Math.max(1, failed); // no report: the run itself broke
}
rmSync(outDir, { recursive: true, force: true });
if (run.status !== 0 && failed === 0) failed = 1;
failed += typeErrors;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed === 0 && run.status === 0 ? 0 : 1);
