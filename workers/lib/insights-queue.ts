// Producer side of the `insights` queue: after rows change, one message per user with every affected
// date (coalesced across a batch, so a 30-day backfill is one message, not thirty).
import type { InsightsMessage } from "./messages";

export class AffectedDays {
  private readonly byUser = new Map<string, Set<string>>();

  add(userId: string, ...dates: string[]): void {
    let set = this.byUser.get(userId);
    if (!set) this.byUser.set(userId, (set = new Set()));
    for (const date of dates) set.add(date);
  }

  get size(): number {
    return this.byUser.size;
  }

  messages(traceparent?: string): InsightsMessage[] {
    return [...this.byUser].map(([user_id, dates]) => ({ user_id, dates: [...dates].sort().slice(-400), traceparent }));
  }
}

/** Sends one insights message per user (the user's object recomputes the dates); resolves only when the queue accepted them. */
export async function sendChangedDays(queue: Queue<unknown>, days: AffectedDays, traceparent?: string): Promise<void> {
  const messages = days.messages(traceparent);
  if (messages.length === 0) return;
  await queue.sendBatch(messages.map((body) => ({ body, contentType: "json" as const })));
}
