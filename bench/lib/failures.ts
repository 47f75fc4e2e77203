// Telling the app's own failures from the local emulator's. The hub answers every failure with the
// contract envelope and logs `unhandled_error` with the request id and the error's message; when a
// queue.send inside the route is what failed, that message is Miniflare's queue emulation giving up
// under overload. So a failure is the emulator's when its body or its request's log lines carry one
// of the emulator's signatures, and the app's otherwise.
import { Log, LogLevel } from "miniflare";
import type { FailedRequest } from "./load-types";

/** Messages of Miniflare's local Queue/storage emulation under overload (see ARCHITECTURE.md). */
export const EMULATOR_SIGNATURES = /Unknown Internal Error|QuotaExceeded|SQLITE_NOMEM|active timeouts/i;

const MAX_INDEXED_REQUESTS = 100_000;

export interface LogSample {
  level: string;
  message: string;
}

/** Collects the Worker's log lines: error/warn lines by request id, plus totals and a few samples. */
export class LogIndex {
  private readonly byRequest = new Map<string, string[]>();
  errorLines = 0;
  emulatorLines = 0;
  readonly samples: LogSample[] = [];

  add(level: string, message: string): void {
    if (level !== "error" && level !== "warn") return;
    if (level === "error") this.errorLines++;
    if (EMULATOR_SIGNATURES.test(message)) this.emulatorLines++;
    if (this.samples.length < 20) this.samples.push({ level, message: message.slice(0, 300) });
    const requestId = /"request_id":"([^"]+)"/.exec(message)?.[1];
    if (!requestId || this.byRequest.size >= MAX_INDEXED_REQUESTS) return;
    const lines = this.byRequest.get(requestId);
    if (lines) lines.push(message);
    else this.byRequest.set(requestId, [message]);
  }

  linesFor(requestId: string | undefined): string[] {
    return requestId ? (this.byRequest.get(requestId) ?? []) : [];
  }

  /** Counters since the last call (each phase reports its own). */
  takeCounts(): { errorLines: number; emulatorLines: number } {
    const counts = { errorLines: this.errorLines, emulatorLines: this.emulatorLines };
    this.errorLines = 0;
    this.emulatorLines = 0;
    return counts;
  }
}

/** Miniflare's own log (it reports consumer exceptions and runtime errors here), into the index. */
export class IndexingLog extends Log {
  constructor(private readonly index: LogIndex) {
    super(LogLevel.WARN);
  }
  protected override log(message: string): void {
    this.index.add(/error/i.test(message) ? "error" : "warn", message);
  }
}

export interface FailureSplit {
  /** Contract envelope or a wrong status, with no emulator signature: the hub's own. */
  app: number;
  /** Emulator signature in the body or in the request's log lines. */
  emulator: number;
  /** No HTTP answer: socket reset or client timeout. */
  noAnswer: number;
  /** Examples per class, for the report. */
  examples: { app?: string; emulator?: string; noAnswer?: string };
}

export function splitFailures(failures: readonly FailedRequest[], logs: LogIndex | undefined): FailureSplit {
  const split: FailureSplit = { app: 0, emulator: 0, noAnswer: 0, examples: {} };
  for (const failure of failures) {
    if (failure.status === null) {
      split.noAnswer++;
      split.examples.noAnswer ??= failure.error;
      continue;
    }
    const evidence = [failure.body ?? "", ...(logs?.linesFor(failure.requestId) ?? [])];
    const fromEmulator = evidence.find((text) => EMULATOR_SIGNATURES.test(text));
    if (fromEmulator) {
      split.emulator++;
      split.examples.emulator ??= `${failure.status}: ${fromEmulator.slice(0, 200)}`;
    } else {
      split.app++;
      split.examples.app ??= `${failure.status}: ${(failure.body ?? "").slice(0, 200)}`;
    }
  }
  return split;
}
