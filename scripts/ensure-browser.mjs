// Makes sure Debian's chromium is present for the browser test of the /ops page. Installs it with
// apt-get when it is missing and this process may do so (root); otherwise prints why it could not,
// and the browser test skips with that reason.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";

export const CHROMIUM = "/usr/bin/chromium";

/** Returns null when chromium is available, else the reason it is not. */
export function ensureBrowser({ quiet = false } = {}) {
  if (existsSync(CHROMIUM)) return null;
  if (process.platform !== "linux" || !existsSync("/usr/bin/apt-get")) return "no apt-get on this machine to install chromium";
  if (process.getuid?.() !== 0) return "chromium is missing and installing it needs root (apt-get install -y chromium)";
  const log = (line) => quiet || console.log(`[setup] ${line}`);
  log("installing chromium (apt-get)…");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const opts = { stdio: quiet ? "ignore" : "inherit", env };
  let run = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], opts);
  if (run.status !== 0) {
    // Package lists may be missing on a fresh machine.
    spawnSync("apt-get", ["update"], opts);
    run = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], opts);
  }
  return existsSync(CHROMIUM) ? null : `apt-get install chromium failed (exit ${run.status})`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const reason = ensureBrowser();
  console.log(reason ? `[setup] no browser: ${reason}` : `[setup] chromium ready at ${CHROMIUM}`);
}
