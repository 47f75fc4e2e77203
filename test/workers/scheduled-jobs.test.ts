// Which cron runs which jobs (workers/scheduled/jobs.ts): each trigger of wrangler.toml has its own
// list, and a cron the table does not know is logged and runs nothing (it used to run retention).
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../workers/index";
import { DAILY_CRON, JOBS_BY_CRON, RECONCILE_CRON } from "../../workers/scheduled/jobs";
import { testEnv } from "./helpers";

/** The JSON log lines written while `work` runs. */
async function logLinesOf(work: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  const keep = (line: unknown) => {
    try {
      lines.push(JSON.parse(String(line)) as Record<string, unknown>);
    } catch {
      /* not one of ours */
    }
  };
  for (const method of ["log", "warn", "error"] as const) vi.spyOn(console, method).mockImplementation(keep);
  await work();
  return lines;
}

describe("scheduled jobs", () => {
  afterEach(() => vi.restoreAllMocks());

  it("maps each cron to its jobs: reconciliation every 15 minutes, retention and Oura renewals daily", () => {
    const names = Object.fromEntries(Object.entries(JOBS_BY_CRON).map(([cron, jobs]) => [cron, Object.keys(jobs)]));
    expect(names).toEqual({ [RECONCILE_CRON]: ["reconcile"], [DAILY_CRON]: ["retention", "oura_subscriptions"] });
  });

  it("logs a cron it does not know and runs no job", async () => {
    const cron = "0 12 * * 1";
    const work: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void work.push(p), passThroughOnException: () => undefined, props: {} };
    const lines = await logLinesOf(async () => {
      await worker.scheduled({ cron, scheduledTime: Date.now(), noRetry: () => undefined }, testEnv, ctx as unknown as ExecutionContext);
      await Promise.all(work);
    });
    const scheduled = lines.filter((line) => line.component === "scheduled");
    expect(scheduled).toEqual([expect.objectContaining({ level: "warn", event: "unknown_cron", cron })]);
  });
});
