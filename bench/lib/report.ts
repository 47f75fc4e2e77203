// Printing: Markdown tables (pasted into docs/benchmarks.md as they are) and the raw results as JSON
// in .bench-out/ or .data/ (both git-ignored) for anyone who wants to recompute a figure.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatEnvironment, type BenchEnvironment } from "./environment";
import type { ClosedRow, PacedRow } from "./phases";
import { fmt } from "./stats";

export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map(String).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function pacedTable(rows: PacedRow[]): string {
  return table(
    ["worker", "route", "offered/s", "sent", "ok", "p50 ms", "p99 ms", "max ms", "app errors", "emulator errors", "no answer", "CPU/req ms", "Postgres CPU/req ms", "other load (cores)"],
    rows.map((r) => [
      r.worker, r.route, r.rate, r.sent, r.ok, fmt(r.p50Ms), fmt(r.p99Ms), fmt(r.maxMs),
      r.failures.app, r.failures.emulator, r.failures.noAnswer + r.unclassified, fmt(r.cpuPerRequestMs), fmt(r.postgresCpuPerRequestMs), fmt(r.otherBusyCores),
    ]),
  );
}

export function closedTable(rows: ClosedRow[]): string {
  return table(
    ["worker", "route", "connections", "seconds", "req/s", "p50 ms", "p99 ms", "ok", "app errors", "emulator errors", "no answer", "CPU/req ms", "Postgres CPU/req ms", "other load (cores)"],
    rows.map((r) => [
      r.worker, r.route, r.connections, r.durationS, fmt(r.requestsPerS), fmt(r.p50Ms), fmt(r.p99Ms), r.ok,
      r.failures.app, r.failures.emulator, r.failures.noAnswer + r.unclassified, fmt(r.cpuPerRequestMs), fmt(r.postgresCpuPerRequestMs), fmt(r.otherBusyCores),
    ]),
  );
}

/** Examples of each failure class seen in a set of phases, so a reader can check the split. */
export function failureExamples(rows: (PacedRow | ClosedRow)[]): string[] {
  const lines: string[] = [];
  for (const row of rows) {
    for (const [kind, example] of Object.entries(row.failures.examples)) {
      if (example) lines.push(`- ${row.worker} ${row.route} (${row.kind === "paced" ? `${row.rate}/s` : `${row.connections} conns`}), ${kind}: ${example}`);
    }
  }
  return lines;
}

export function verdict(met: boolean): string {
  return met ? "met" : "MISSED";
}

export class Report {
  private readonly sections: string[] = [];
  private readonly data: Record<string, unknown> = {};

  constructor(private readonly name: string, private readonly env: BenchEnvironment) {
    this.print(`## ${name}\n\n\`\`\`\n${formatEnvironment(env)}\n\`\`\``);
  }

  /** Prints now (a long run shows progress) and keeps the text for the summary file. */
  print(text: string): void {
    console.log(`${text}\n`);
    this.sections.push(text);
  }

  record(key: string, value: unknown): void {
    this.data[key] = value;
  }

  /** Writes `<name>-<start time>.json` and `.md` under `folder` (relative to the project root). */
  save(folder = ".bench-out"): string {
    const stem = outputStem(this.name, this.env.startedAt, folder);
    writeFileSync(`${stem}.json`, JSON.stringify({ environment: this.env, ...this.data }, null, 2));
    writeFileSync(`${stem}.md`, this.sections.join("\n\n") + "\n");
    return stem;
  }
}

/** `<repo>/<folder>/<name>-<time>` (folder created), the stem of a run's saved files. */
export function outputStem(name: string, startedAt: string, folder = ".bench-out"): string {
  const dir = join(new URL("../../", import.meta.url).pathname, folder);
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}-${startedAt.replace(/[:.]/g, "-")}`);
}
