// Figures only Analytics Engine has (queue lag, vendor API errors, webhook outcomes including refused
// signatures), read through its SQL API with a read-only token. Unconfigured (local dev) the page says
// so instead of showing zeros. The statements are the ones docs/operations/alerts.md documents.

/** The Config fields this module reads (spelled out: Node-side checks of the statements import it). */
interface SqlConfig {
  CF_ACCOUNT_ID?: string;
  CF_ANALYTICS_TOKEN?: string;
  METRICS_DATASET?: string;
  ANALYTICS_SQL_URL?: string;
}

const DATASET = /^[A-Za-z0-9_]{1,64}$/;

export function analyticsStatements(dataset: string): Record<string, string> {
  return {
    queue_lag: `SELECT blob2 AS queue, quantileExactWeighted(0.95)(double2, _sample_interval) AS lag_p95_ms,
      SUM(_sample_interval) AS messages, SUM(IF(blob3 = 'ack', 0, _sample_interval)) AS not_acked
      FROM ${dataset} WHERE blob1 = 'queue' AND timestamp > NOW() - INTERVAL '1' HOUR GROUP BY queue ORDER BY queue`,
    vendor_errors: `SELECT blob2 AS vendor, blob3 AS endpoint, SUM(_sample_interval) AS calls,
      SUM(IF(blob4 = '2xx', 0, _sample_interval)) AS errors
      FROM ${dataset} WHERE blob1 = 'vendor_call' AND timestamp > NOW() - INTERVAL '1' HOUR GROUP BY vendor, endpoint ORDER BY vendor, endpoint`,
    webhook_outcomes: `SELECT blob2 AS vendor, blob3 AS outcome, SUM(_sample_interval) AS events
      FROM ${dataset} WHERE blob1 = 'webhook' AND timestamp > NOW() - INTERVAL '24' HOUR GROUP BY vendor, outcome ORDER BY vendor, outcome`,
  };
}

export async function analyticsFigures(config: SqlConfig): Promise<Record<string, unknown>> {
  const dataset = config.METRICS_DATASET;
  if (!config.CF_ACCOUNT_ID || !config.CF_ANALYTICS_TOKEN || !dataset || !DATASET.test(dataset)) {
    return { available: false, reason: "Analytics Engine SQL is not configured (CF_ACCOUNT_ID, CF_ANALYTICS_TOKEN, METRICS_DATASET)" };
  }
  const url = config.ANALYTICS_SQL_URL ?? `https://api.cloudflare.com/client/v4/accounts/${config.CF_ACCOUNT_ID}/analytics_engine/sql`;
  const figures: Record<string, unknown> = { available: true };
  for (const [name, statement] of Object.entries(analyticsStatements(dataset))) {
    const res = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${config.CF_ANALYTICS_TOKEN}` }, body: statement });
    if (!res.ok) {
      await res.body?.cancel();
      return { available: false, reason: `Analytics Engine SQL answered HTTP ${res.status}` };
    }
    figures[name] = ((await res.json()) as { data?: unknown[] }).data ?? [];
  }
  return figures;
}
