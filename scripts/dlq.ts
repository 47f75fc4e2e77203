// Dead letters from the command line: `npm run dlq -- list [--queue q] [--all]`, `show <id>`,
// `replay <id>`, `replay --all --queue <q>`. It talks to the hub's operator API (/ops/api/*), so a
// replay goes through the Worker's own queue bindings with the same checks as the operator page
// (valid body, user not erased, who and when recorded). Where the hub sits behind Cloudflare Access,
// set CF_ACCESS_CLIENT_ID / CF_ACCESS_CLIENT_SECRET (an Access service token) and Access signs the
// request in as that token. HUB_URL defaults to the local hub; OPS_ACTOR names you in local dev.
import { parseArgs } from "node:util";

const USAGE = "usage: npm run dlq -- list [--queue <q>] [--all] | show <id> | replay <id> | replay --all --queue <q>";

interface Options {
  hub: string;
  headers: Record<string, string>;
}

function options(): Options {
  const hub = (process.env.HUB_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`).replace(/\/+$/, "");
  const headers: Record<string, string> = { accept: "application/json", "content-type": "application/json" };
  if (process.env.CF_ACCESS_CLIENT_ID && process.env.CF_ACCESS_CLIENT_SECRET) {
    headers["cf-access-client-id"] = process.env.CF_ACCESS_CLIENT_ID;
    headers["cf-access-client-secret"] = process.env.CF_ACCESS_CLIENT_SECRET;
  }
  headers["x-ops-actor"] = process.env.OPS_ACTOR ?? process.env.USER ?? "cli";
  return { hub, headers };
}

async function call(opts: Options, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(`${opts.hub}${path}`, { method, headers: opts.headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new Error(`the hub at ${opts.hub} could not be reached (set HUB_URL)`);
  }
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.status === 401 || res.status === 403) throw new Error(`refused by the hub (${res.status}): set CF_ACCESS_CLIENT_ID and CF_ACCESS_CLIENT_SECRET`);
  const error = json.error as { message?: string } | undefined;
  // 404 (no such dead letter) and 409 (refused) are answers the commands print; anything else is a failure.
  if (!res.ok && res.status !== 404 && res.status !== 409) throw new Error(`the hub answered ${res.status}: ${error?.message ?? "no details"}`);
  return { status: res.status, json };
}

function row(letter: Record<string, unknown>): string {
  return [letter.id, letter.queue, letter.kind ?? "", letter.vendor ?? "", letter.attempts, letter.received_at, letter.replayed_at ?? "open", letter.reason]
    .map(String).join("\t");
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { queue: { type: "string" }, all: { type: "boolean", default: false }, json: { type: "boolean", default: false } },
  });
  const [command, id] = positionals;
  const opts = options();
  if (command === "list") {
    const query = new URLSearchParams({ status: values.all ? "all" : "open", ...(values.queue ? { queue: values.queue } : {}) });
    const { json } = await call(opts, "GET", `/ops/api/dead-letters?${query}`);
    const items = (json.items as Record<string, unknown>[]) ?? [];
    if (values.json) console.log(JSON.stringify(items, null, 2));
    else for (const letter of items) console.log(row(letter));
    if (!values.json) console.error(`${items.length} dead letter(s)`);
    return 0;
  }
  if (command === "show" && id && /^\d+$/.test(id)) {
    const { status, json } = await call(opts, "GET", `/ops/api/dead-letters/${id}`);
    console.log(JSON.stringify(json, null, 2));
    return status === 200 ? 0 : 1;
  }
  if (command === "replay" && values.all && values.queue) {
    const { status, json } = await call(opts, "POST", "/ops/api/dead-letters/replay", { queue: values.queue });
    for (const result of (json.items as Record<string, unknown>[]) ?? []) console.log(`${result.id}\t${result.status}\t${result.reason ?? ""}`);
    console.error(`${json.replayed ?? 0} replayed`);
    return status === 200 ? 0 : 1;
  }
  if (command === "replay" && id && /^\d+$/.test(id)) {
    const { status, json } = await call(opts, "POST", `/ops/api/dead-letters/${id}/replay`);
    const error = json.error as { message?: string } | undefined;
    console.log(`${id}\t${json.status ?? "error"}\t${json.reason ?? error?.message ?? ""}`);
    return status === 200 ? 0 : 1;
  }
  console.error(USAGE);
  return 2;
}

main().then((code) => process.exit(code), (error: Error) => {
  console.error(`dlq: ${error.message}`);
  process.exit(1);
});
