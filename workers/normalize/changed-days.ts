// The days whose rows changed over one ingest batch, collected per user: one insights message per
// user with every affected date (the user's Durable Object recomputes them), carrying the trace of
// the first event that touched the user.
import { AffectedDays, sendChangedDays } from "../lib/insights-queue";

const SEND_ATTEMPTS = 3;

export class ChangedDaysByTrace {
  private readonly byTrace = new Map<string | undefined, AffectedDays>();
  private readonly traceOfUser = new Map<string, string | undefined>();

  add(userId: string, dates: readonly string[], traceparent?: string): void {
    if (dates.length === 0) return;
    if (!this.traceOfUser.has(userId)) this.traceOfUser.set(userId, traceparent);
    const trace = this.traceOfUser.get(userId);
    let days = this.byTrace.get(trace);
    if (!days) this.byTrace.set(trace, (days = new AffectedDays()));
    days.add(userId, ...dates);
  }

  /**
   * The messages were acked already (their rows are committed), so a failure here cannot be
   * retried by the queue: try a few times; reconciliation re-requests recent days anyway.
   */
  async send(queue: Queue<unknown>): Promise<void> {
    for (const [trace, days] of this.byTrace) {
      for (let attempt = 1; ; attempt++) {
        try {
          await sendChangedDays(queue, days, trace);
          break;
        } catch (error) {
          if (attempt >= SEND_ATTEMPTS) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
        }
      }
    }
  }
}
