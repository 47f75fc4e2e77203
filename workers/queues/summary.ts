// One summary line and one data point per queue message: queue, outcome, vendor, attempt, duration
// and lag from enqueue, with the trace id the message carries so that it joins the webhook's trace.
import type { Logger } from "../lib/logger";
import type { Metrics, QueueOutcome } from "../lib/metrics";
import { traceIdOf, traceparentOfBody } from "../lib/trace";

export interface MessageSummary {
  /** The message's logger: every line it writes carries the message id, attempt and trace id. */
  log: Logger;
  done(outcome: QueueOutcome): void;
}

export function messageSummary(batchLog: Logger, queue: string, message: Message<unknown>, metrics?: Metrics): MessageSummary {
  const startedMs = Date.now();
  const vendor = vendorOf(message.body);
  const log = batchLog.with({ message_id: message.id, attempts: message.attempts, trace_id: traceIdOf(traceparentOfBody(message.body)) });
  return {
    log,
    done(outcome) {
      const durationMs = Date.now() - startedMs;
      const lagMs = Math.max(0, startedMs - message.timestamp.getTime());
      log.info("queue_message", { outcome, vendor, duration_ms: durationMs, lag_ms: lagMs });
      metrics?.queueMessage(queue, outcome, vendor ?? "", message.attempts, lagMs, durationMs);
    },
  };
}

function vendorOf(body: unknown): string | undefined {
  const vendor = (body as { vendor?: unknown } | null)?.vendor;
  return typeof vendor === "string" && /^[a-z_]{1,32}$/.test(vendor) ? vendor : undefined;
}
