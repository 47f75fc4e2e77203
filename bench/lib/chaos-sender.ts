// An evenly paced sender on the main thread for fault runs: the rates are small (tens of requests a
// second), and a fault must begin when the requests do — a load thread's start-up (seconds on a busy
// machine) would let most of a short fault pass unloaded.
import type { RequestTemplate } from "./load-types";

export interface Sent {
  /** ms since the run started */
  at: number;
  status: number | null;
  ms: number;
}

/** Sends `templates` in turn at `rate` per second for `seconds`; resolves when every answer is in. */
export async function pace(origin: string, templates: readonly RequestTemplate[], rate: number, seconds: number, timeoutMs = 30_000): Promise<Sent[]> {
  const count = Math.round(rate * seconds);
  const t0 = performance.now();
  const pending: Promise<Sent>[] = [];
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const template = templates[i % templates.length]!;
    const at = performance.now() - t0;
    pending.push(
      fetch(`${origin}${template.path}`, { method: template.method, headers: template.headers, body: template.body, signal: AbortSignal.timeout(timeoutMs) })
        .then(async (res) => {
          await res.arrayBuffer();
          return { at, status: res.status, ms: performance.now() - t0 - at };
        })
        .catch(() => ({ at, status: null, ms: performance.now() - t0 - at })),
    );
  }
  return Promise.all(pending);
}

export function statusCounts(sent: readonly Sent[]): string {
  const counts = new Map<string, number>();
  for (const s of sent) counts.set(String(s.status ?? "none"), (counts.get(String(s.status ?? "none")) ?? 0) + 1);
  return [...counts].sort().map(([status, n]) => `${status}×${n}`).join(" ") || "–";
}
