// Runs the hub locally on real components: Postgres (the machine's binaries, or embedded PGlite where
// there are none), the WebSocket proxy, the Oura/WHOOP/identity-provider simulators, a seeded demo
// athlete, and `wrangler dev`. Honours `.dev.vars` (its values override the generated ones) and PORT.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readDevVars } from "./lib/dev-vars";
import { nodePool } from "./lib/node-db";
import { newSecrets, startStack, type StackSecrets } from "./lib/stack";
import { DEMO_SUBJECT, seedDemoUser } from "./seed";

const dataDir = process.env.HUB_DEV_DATA_DIR ?? join(process.cwd(), ".data", "dev");
const port = Number(process.env.PORT ?? readDevVars().PORT ?? 8787);
const STARTUP_TIMEOUT_MS = 120_000;

/** Generated secrets persist in the data folder so tokens stored by an earlier run stay readable. */
function devSecrets(): StackSecrets {
  const file = join(dataDir, "secrets.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as StackSecrets;
  mkdirSync(dataDir, { recursive: true });
  const secrets = newSecrets();
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

async function waitForHealth(url: string, wrangler: ChildProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (wrangler.exitCode !== null) throw new Error(`wrangler dev exited with ${wrangler.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("the hub did not answer /health in time");
}

async function main(): Promise<void> {
  console.log("[dev] starting Postgres, DB proxy and simulators…");
  const stack = await startStack({
    dataDir: join(dataDir, "postgres"),
    allowEmbedded: true,
    secrets: devSecrets(),
    simulators: { history: { days: 90 } },
  });
  let wrangler: ChildProcess | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log("\n[dev] stopping…");
    wrangler?.kill("SIGTERM");
    await stack.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));

  try {
    const pool = nodePool(stack.vars.DATABASE_URL!, stack.vars.DB_WS_PROXY);
    const seeded = await seedDemoUser(pool).finally(() => pool.end());
    console.log(`[dev] demo athlete seeded with ${seeded.days} days of data`);

    const vars: Record<string, string> = {
      ...stack.vars,
      APP_REDIRECT_URL: `http://127.0.0.1:${port}/health`,
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      ...readDevVars(),
    };
    delete vars.PORT;
    const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", join(dataDir, "wrangler"),
      "--show-interactive-dev-session=false", ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`])];
    wrangler = spawn("node_modules/.bin/wrangler", args, {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
    });
    wrangler.on("exit", (code) => void stop(code ?? 1));
    const url = `http://127.0.0.1:${port}`;
    await waitForHealth(url, wrangler);
    const token = await stack.sims.idp.mint({ sub: DEMO_SUBJECT, expSeconds: 7 * 24 * 3600 });
    const today = new Date().toISOString().slice(0, 10);
    const weekAgo = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
    console.log(`
[dev] the hub is running at ${url}
[dev] demo bearer token (user "${DEMO_SUBJECT}", valid 7 days):
${token}

Try:
  curl -s -H "authorization: Bearer ${token}" ${url}/v1/me/readiness
  curl -s -H "authorization: Bearer ${token}" "${url}/v1/me/hrv?from=${weekAgo}&to=${today}"

Simulators: Oura ${stack.sims.oura.url}  WHOOP ${stack.sims.whoop.url}  identity provider ${stack.sims.idp.url}
Ctrl-C stops everything.`);
  } catch (error) {
    console.error(`[dev] ${(error as Error).message}`);
    await stop(1);
  }
}

void main();
