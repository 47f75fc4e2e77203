// The load run's tables: per route beside the bare Worker, the run's totals, the targets, the
// timeline and the per-route costs measured alone.
import { table, verdict } from "./report";
import type { RouteCost } from "./route-costs";
import type { ProfileRun, RouteResult } from "./session-run";
import { ROUTES } from "./session-types";
import { fmt } from "./stats";

export const TARGETS = { p95Ms: 250, p99Ms: 500, errorShare: 0.001 };

export function failed(result: RouteResult): number {
  return result.sent - result.ok;
}

function percent(part: number, whole: number): string {
  return whole === 0 ? "–" : `${fmt((part / whole) * 100)}%`;
}

export function routesTable(runs: ProfileRun[]): string {
  const rows = ROUTES.flatMap((route) =>
    runs.map((run) => {
      const r = run.routes[route];
      return [
        route, run.worker, r.sent, fmt(r.holdRate), fmt(r.hold.p50), fmt(r.hold.p95), fmt(r.hold.p99), fmt(r.all.p99),
        percent(failed(r), r.sent), r.failures.app, r.failures.emulator, r.failures.noAnswer + r.unclassified, r.lateSends,
      ];
    }),
  ).filter((row) => row[2] !== 0);
  return table(
    ["route", "worker", "sent", "hold req/s", "hold p50 ms", "hold p95 ms", "hold p99 ms", "run p99 ms", "errors", "app", "emulator", "no answer", "sent late"],
    rows,
  );
}

export function totalsTable(runs: ProfileRun[]): string {
  return table(
    ["worker", "answered", "workerd CPU/req ms", "Postgres CPU/req ms", "Postgres sessions started/req", "database link opens/req", "after the last answer", "live sockets opened / closed early / pushes", "other load (cores)"],
    runs.map((run) => {
      const drain = "failed" in run.drain
        ? `not idle: ${run.drain.failed}`
        : `idle after ${fmt(run.drain.seconds)} s (+${fmt((run.drain.workerCpuS * 1000) / run.answered)} ms workerd, +${fmt((run.drain.postgresCpuS * 1000) / run.answered)} ms Postgres per request)`;
      return [
        run.worker, run.answered, fmt((run.workerCpuS * 1000) / run.answered), fmt((run.postgresCpuS * 1000) / run.answered),
        run.postgresConnectionsOpened === null ? "–" : fmt(run.postgresConnectionsOpened / run.answered), fmt(run.linkOpened / run.answered), drain,
        `${run.live.opened} / ${run.live.closedEarly} / ${run.live.messages}`, fmt(run.otherBusyCores),
      ];
    }),
  );
}

export function targetsTable(hub: ProfileRun): string {
  return table(
    ["route", `hold p95 < ${TARGETS.p95Ms} ms`, `hold p99 < ${TARGETS.p99Ms} ms`, `errors < ${TARGETS.errorShare * 100}%`],
    ROUTES.filter((route) => hub.routes[route].sent > 0).map((route) => {
      const r = hub.routes[route];
      const errorShare = failed(r) / r.sent;
      return [
        route,
        `${fmt(r.hold.p95)} ${verdict(r.hold.p95 < TARGETS.p95Ms)}`,
        `${fmt(r.hold.p99)} ${verdict(r.hold.p99 < TARGETS.p99Ms)}`,
        `${percent(failed(r), r.sent)} ${verdict(errorShare < TARGETS.errorShare)}`,
      ];
    }),
  );
}

export function timelineTable(run: ProfileRun): string {
  return table(
    ["t s", "athletes", "sockets", "in flight", "answers/s", "failed", "p95 ms", "workerd cores", "Postgres cores", "Node cores (load, link, simulators)", "Postgres connections", "other load"],
    run.timeline.map((row) => [
      row.atS, row.athletes, row.openSockets, row.inFlight, fmt(row.answeredPerS), row.failed, fmt(row.p95Ms),
      fmt(row.workerCores), fmt(row.postgresCores), fmt(row.nodeCores), row.postgresConnections ?? "–", fmt(row.otherCores),
    ]),
  );
}

export function costsTable(costs: RouteCost[]): string {
  return table(
    ["route (alone)", "offered/s", "ok", "p50 ms", "p99 ms", "workerd CPU/req ms", "Postgres CPU/req ms", "Postgres CPU/req ms, less its idle rate", "Postgres sessions started/req", "idle after"],
    costs.map((c) => [
      c.route, c.rate, `${c.ok}/${c.sent}`, fmt(c.p50Ms), fmt(c.p99Ms), fmt(c.workerCpuPerRequestMs), fmt(c.postgresCpuPerRequestMs), fmt(c.postgresNetCpuPerRequestMs),
      c.postgresConnectionsPerRequest === null ? "–" : fmt(c.postgresConnectionsPerRequest), c.idleAfter ? "yes" : "no (30 s)",
    ]),
  );
}

/** Per route measured alone, the statements its Postgres time went to (when the run recorded them). */
export function statementsTables(costs: RouteCost[]): string[] {
  return costs.filter((c) => c.statements?.length).map((c) =>
    [
      `${c.route}: Postgres execution time per request by statement`,
      table(["statement", "calls/req", "ms/req"], c.statements!.map((s) => [`\`${s.query.replaceAll("`", "'").replaceAll("|", "\\|")}\``, fmt(s.callsPerRequest), fmt(s.msPerRequest)])),
    ].join("\n\n"),
  );
}

/** The first example of each failure class per route and worker. */
export function failureExamples(runs: ProfileRun[]): string[] {
  const lines: string[] = [];
  for (const run of runs) {
    for (const route of ROUTES) {
      const { examples } = run.routes[route].failures;
      for (const [kind, example] of Object.entries(examples)) if (example) lines.push(`- ${run.worker} ${route}, ${kind}: ${example}`);
    }
  }
  return lines;
}
