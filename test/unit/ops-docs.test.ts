// The dashboard and the alert statements an operator imports must read what the hub writes: every
// statement filters on a kind that workers/lib/metrics.ts emits, and the dashboard is importable JSON.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyticsStatements } from "../../workers/ops/analytics-sql";

const KINDS = ["request", "webhook", "queue", "vendor_call", "recompute", "dead_letter"];
const metricsSource = readFileSync("workers/lib/metrics.ts", "utf8");
const kindsOf = (sql: string) => [...sql.matchAll(/blob1 = '(\w+)'/g)].map((m) => m[1]);

describe("dashboard and alert statements", () => {
  it("only ask for kinds the hub writes", () => {
    for (const kind of KINDS) expect(metricsSource).toContain(`this.add("${kind}"`);
    const dashboard = JSON.parse(readFileSync("docs/operations/grafana-dashboard.json", "utf8")) as {
      panels: { title: string; targets: { query: string }[] }[];
    };
    const alerts = readFileSync("docs/operations/alerts.md", "utf8");
    const statements = [
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.query)),
      ...[...alerts.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!),
      ...Object.values(analyticsStatements("hub_metrics_production")),
    ];
    expect(statements.length).toBeGreaterThan(15);
    for (const sql of statements) {
      expect(kindsOf(sql).length, sql).toBeGreaterThan(0);
      for (const kind of kindsOf(sql)) expect(KINDS, sql).toContain(kind);
      expect(sql, sql).toMatch(/_sample_interval/);
    }
    // One panel per alert rule at least.
    for (const threshold of ["> 5 %", "> 60 s", "any new", "> 20 %", "signature failures"]) {
      expect(dashboard.panels.some((p) => p.title.includes(threshold))).toBe(true);
    }
  });
});
