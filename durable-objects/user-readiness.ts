// UserReadiness: one Durable Object per user. It serializes and coalesces that user's readiness work,
// caches the latest snapshots (so reads survive a Postgres outage), pushes new snapshots to the
// user's live WebSockets, and holds audit rows that could not reach Postgres until they can.
//
// Instances (see client.ts for the names):
//   `user:<user id>`   the readiness object of one user: every table below.
//   `sub:<subject>`    the identity of a token subject: only meta.identity (read when Postgres is down).
//
// Storage layout (SQLite, this object's own; created on first use, so an erased object stays empty):
//   meta(key TEXT PRIMARY KEY, value TEXT)                  user_id | subject (the token subject whose
//                                                           identity instance erase() clears too) |
//                                                           identity (JSON RequestUser, `sub:` only) |
//                                                           traceparent (of the latest request, so the
//                                                           alarm's recompute joins its trace) |
//                                                           first_score_reported (product event sent) |
//                                                           week_closed_announced (Monday of the last
//                                                           week announced as trends.week_closed)
//   pending_recompute(date TEXT PRIMARY KEY, seq INTEGER)   changed data dates waiting for the alarm;
//                                                           seq orders requests so that a date asked
//                                                           for again during a run stays pending
//   snapshots(date TEXT PRIMARY KEY, computed_at TEXT, body TEXT)
//                                                           latest snapshot per date (API item JSON),
//                                                           the newest CACHE_DAYS dates
//   audit_outbox(id INTEGER PRIMARY KEY, entry TEXT)        audit rows that could not reach Postgres:
//                                                           reads served while it was unreachable
//                                                           (pseudonyms, no values), written there once
//                                                           it answers
// Alarm: set when work is pending; fires COALESCE_MS after the first request of a burst, so several
// messages for one user within that window become one recompute, and AUDIT_FLUSH_MS after the first
// outbox row, so a burst of reads becomes one insert. Failed work retries every RETRY_MS. It also
// fires when the earliest live socket's bearer token expires (the socket's attachment holds the
// expiry, TOKEN_EXPIRY_HEADER at the upgrade), and closes the sockets whose token has run out.
import { DurableObject } from "cloudflare:workers";
import { loadConfig, type Env } from "../workers/env";
import { auditMany, type TimedAuditEntry } from "../workers/lib/audit";
import type { RequestUser } from "../workers/lib/context";
import { openDb, type DbHandle } from "../workers/lib/db";
import { createLogger, describeError } from "../workers/lib/logger";
import { Metrics } from "../workers/lib/metrics";
import { productAnalytics } from "../workers/lib/product-analytics";
import { traceIdOf } from "../workers/lib/trace";
import type { DeferredAuditOrigin } from "../workers/lib/read-audit";
import {
  CLOSE_CONNECTIONS_CHANGED, CLOSE_TOKEN_EXPIRED, identityObject, readinessClient, TOKEN_EXPIRY_HEADER,
  type IdentityObject, type ReadinessObject, type ReadinessSnapshot, type ReadinessStats,
} from "./client";
import { recomputeReadiness, type RecomputeOutcome } from "./recompute";
import { computeMissingTrendWeeks } from "./trends-rollup";
import { trendWeekItem, weekToAnnounce, type TrendWeekRecord } from "../workers/readiness/trends-rollup";

export const COALESCE_MS = 1_500;
const CACHE_DAYS = 120;
const RETRY_MS = 30_000;
const AUDIT_FLUSH_BATCH = 500;
const AUDIT_FLUSH_MS = 1_000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS pending_recompute (date TEXT PRIMARY KEY, seq INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS snapshots (date TEXT PRIMARY KEY, computed_at TEXT NOT NULL, body TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS audit_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL);
`;

export class UserReadiness extends DurableObject<Env> implements ReadinessObject, IdentityObject {
  private schemaReady = false;
  private recomputeCount = 0;
  /** Bumped by erase(): a recompute that was in flight meanwhile must not write into the emptied object. */
  private erasures = 0;
  /** Tail of this user's recomputes: they run one at a time, never interleaved. */
  private recomputeTail: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Answered by the runtime without waking a hibernated object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** Queues changed data dates for recompute; the alarm coalesces a burst into one run. */
  async requestRecompute(userId: string, dates: string[], traceparent?: string): Promise<void> {
    this.setMeta("user_id", userId);
    if (traceparent) this.setMeta("traceparent", traceparent);
    // One sequence number per request (not per date): a rescore asks for hundreds of dates at once.
    const sql = this.sql();
    const seq = sql.exec<{ next: number }>("SELECT coalesce(max(seq), 0) + 1 AS next FROM pending_recompute").one().next;
    sql.exec(
      `INSERT INTO pending_recompute (date, seq) SELECT value, ? FROM json_each(?) WHERE true
       ON CONFLICT (date) DO UPDATE SET seq = excluded.seq`,
      seq, JSON.stringify(dates),
    );
    await this.scheduleWork(COALESCE_MS);
  }

  override async alarm(): Promise<void> {
    this.closeExpiredSockets();
    try {
      if (this.holdsWork()) {
        await this.flushDeferredAudit();
        await this.recomputePending();
      }
    } catch (error) {
      createLogger({ component: "user_readiness" }).error("readiness_work_failed", describeError(error));
      await this.ctx.storage.setAlarm(Date.now() + RETRY_MS);
    }
    await this.scheduleSocketExpiry();
  }

  /** Closes every live socket (the user disconnected a vendor: the app reconnects and re-reads). */
  async closeLive(reason: string): Promise<void> {
    for (const socket of this.ctx.getWebSockets()) closeQuietly(socket, CLOSE_CONNECTIONS_CHANGED, reason);
  }

  /**
   * Scores one date now (a read found data but no snapshot), stores and caches it. Null when the
   * date is after the user's today or the user no longer exists.
   */
  async computeOnDemand(userId: string, date: string): Promise<ReadinessSnapshot | null> {
    const outcome = await this.recompute(userId, [date], false);
    if (outcome.kind === "user_gone") return null;
    this.cache(outcome.snapshots);
    return outcome.snapshots[0] ?? null;
  }

  /** Computes and stores weekly trend records a read found missing; null when the user no longer exists. */
  async computeTrendWeeks(userId: string, weekStarts: string[], today: string): Promise<TrendWeekRecord[] | null> {
    return this.inTurn((pool) => computeMissingTrendWeeks(pool, userId, weekStarts, today), null);
  }

  /** The cached snapshot for a date, or null when this object has none. */
  async getSnapshot(date: string): Promise<ReadinessSnapshot | null> {
    const row = this.sql().exec<{ body: string }>("SELECT body FROM snapshots WHERE date = ?", date).toArray()[0];
    return row ? (JSON.parse(row.body) as ReadinessSnapshot) : null;
  }

  /**
   * Audit rows Postgres could not take (workers/lib/read-audit.ts), kept in the outbox until a flush
   * succeeds. Rows of a `batch` arrive after the read: an object that holds no snapshot was erased
   * (or never served any), so they are dropped rather than bring an erased object back. Rows of a
   * `request` are always kept, and flushed at once.
   */
  async deferAudit(entries: TimedAuditEntry[], origin: DeferredAuditOrigin): Promise<void> {
    if (entries.length === 0 || (origin === "batch" && !this.holdsSnapshots())) return;
    const sql = this.sql();
    for (const entry of entries) sql.exec("INSERT INTO audit_outbox (entry) VALUES (?)", JSON.stringify(entry));
    await this.scheduleWork(origin === "batch" ? AUDIT_FLUSH_MS : 0);
  }

  /** Keeps snapshots read from Postgres, so that they can be served while Postgres is down. */
  async cacheSnapshots(snapshots: ReadinessSnapshot[]): Promise<void> {
    this.cache(snapshots);
  }

  /**
   * Identity instances (`sub:<subject>`): the subject's user, as last provisioned from Postgres. The
   * user's readiness object learns the subject, so that erasing the user erases this link too.
   */
  async rememberUser(subject: string, user: RequestUser): Promise<void> {
    await readinessClient(this.env, user.id).linkSubject(subject);
    this.setMeta("identity", JSON.stringify(user));
  }

  async linkSubject(subject: string): Promise<void> {
    this.setMeta("subject", subject);
  }

  async recallUser(): Promise<RequestUser | null> {
    const value = this.getMeta("identity");
    return value ? (JSON.parse(value) as RequestUser) : null;
  }

  async stats(): Promise<ReadinessStats> {
    return {
      recomputeCount: this.recomputeCount,
      pendingDates: this.pendingDates().map((p) => p.date),
      cachedDates: this.sql().exec<{ n: number }>("SELECT count(*) AS n FROM snapshots").one().n,
    };
  }

  /**
   * Erasure: write audit rows still held (best effort: they carry no personal data), forget the
   * subject's identity instance, close live sockets, drop the alarm and every stored byte.
   */
  async erase(): Promise<void> {
    await this.flushDeferredAudit().catch(() => undefined);
    const subject = this.getMeta("subject");
    if (subject) await identityObject(this.env, subject).erase();
    for (const socket of this.ctx.getWebSockets()) closeQuietly(socket, 1000, "account erased");
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.schemaReady = false;
    this.erasures += 1;
  }

  /** WebSocket upgrade for GET /v1/me/readiness/live (authenticated by the Worker before it gets here). */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426, headers: { upgrade: "websocket" } });
    }
    const expiresAt = Number(request.headers.get(TOKEN_EXPIRY_HEADER)) * 1000;
    if (!Number.isFinite(expiresAt) || expiresAt <= 0) return new Response("token expiry missing", { status: 400 });
    const pair = new WebSocketPair();
    // Hibernation API: the object can be evicted while sockets stay open; the attachment survives.
    this.ctx.acceptWebSocket(pair[1]);
    pair[1].serializeAttachment({ expiresAt } satisfies LiveSocket);
    await this.scheduleSocketExpiry();
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  private closeExpiredSockets(now = Date.now()): void {
    for (const socket of this.ctx.getWebSockets()) {
      if (socketExpiry(socket) <= now) closeQuietly(socket, CLOSE_TOKEN_EXPIRED, "token expired");
    }
  }

  /** Arms the alarm for the earliest token expiry among open sockets (unless work is due sooner). */
  private async scheduleSocketExpiry(): Promise<void> {
    const open = this.ctx.getWebSockets().filter((socket) => socket.readyState === WebSocket.READY_STATE_OPEN);
    if (open.length === 0) return;
    const earliest = Math.min(...open.map(socketExpiry));
    await this.scheduleWork(Math.max(0, earliest - Date.now()));
  }

  /** Whether readiness or audit work may be pending (asked without creating the tables). */
  private holdsWork(): boolean {
    if (this.schemaReady) return true;
    return this.ctx.storage.sql
      .exec<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'pending_recompute'").one().n > 0;
  }

  /** The live channel only pushes; client messages other than the auto-answered "ping" are ignored. */
  override async webSocketMessage(): Promise<void> {}

  override async webSocketClose(socket: WebSocket, code: number): Promise<void> {
    // 1005/1006 are reserved (no code / abnormal) and cannot be sent back.
    closeQuietly(socket, code === 1005 || code === 1006 ? 1000 : code, "closing");
  }

  private async recomputePending(): Promise<void> {
    const pending = this.pendingDates();
    const userId = this.getMeta("user_id");
    if (pending.length === 0 || !userId) return;
    const maxSeq = Math.max(...pending.map((p) => p.seq));
    const outcome = await this.observed(pending.length, () => this.recompute(userId, pending.map((p) => p.date), true));
    if (outcome.kind === "user_gone") {
      await this.erase();
      return;
    }
    this.sql().exec("DELETE FROM pending_recompute WHERE seq <= ?", maxSeq);
    this.reportFirstScore(userId, outcome.snapshots);
    this.cache(outcome.snapshots);
    this.broadcast(outcome.snapshots);
    await this.announceClosedWeek(userId, outcome);
    // Dates requested while this run read Postgres get their own run.
    if (this.pendingDates().length > 0) await this.scheduleWork(COALESCE_MS);
  }

  /** The product event of a user's first score: before caching, this object holds no scored snapshot. */
  private reportFirstScore(userId: string, snapshots: readonly ReadinessSnapshot[]): void {
    if (this.getMeta("first_score_reported") || !snapshots.some((s) => s.score !== null)) return;
    const scoredBefore = this.sql().exec<{ n: number }>("SELECT count(*) AS n FROM snapshots WHERE json_extract(body, '$.score') IS NOT NULL").one().n;
    this.setMeta("first_score_reported", "1");
    if (scoredBefore === 0) productAnalytics(loadConfig(this.env), this.ctx).capture(userId, "first_readiness_score");
  }

  /** One log line (in the requesting trace) and one data point per alarm recompute. */
  private async observed(requested: number, run: () => Promise<RecomputeOutcome>): Promise<RecomputeOutcome> {
    const metrics = new Metrics(this.env.METRICS);
    const log = createLogger({ component: "user_readiness", trace_id: traceIdOf(this.getMeta("traceparent")) });
    const startedMs = Date.now();
    let outcome: RecomputeOutcome | undefined;
    try {
      return (outcome = await run());
    } finally {
      const durationMs = Date.now() - startedMs;
      const kind = outcome?.kind ?? "failed";
      const rescored = outcome?.kind === "computed" ? outcome.snapshots.length : 0;
      log.info("readiness_recomputed", { outcome: kind, requested_dates: requested, dates: rescored, duration_ms: durationMs });
      metrics.recompute(kind, rescored, durationMs);
      this.ctx.waitUntil(metrics.flush());
    }
  }

  private recompute(userId: string, dates: string[], followingDays: boolean): Promise<RecomputeOutcome> {
    return this.inTurn<RecomputeOutcome>((pool) => {
      this.recomputeCount += 1;
      return recomputeReadiness(pool, userId, dates, { followingDays });
    }, { kind: "user_gone" });
  }

  /** Runs Postgres work after this user's earlier work; `gone` when the user was erased meanwhile. */
  private inTurn<T>(work: (pool: DbHandle["pool"]) => Promise<T>, gone: T): Promise<T> {
    const run = this.recomputeTail.then(() =>
      this.withDb(async ({ pool }): Promise<T> => {
        const erasures = this.erasures;
        const result = await work(pool);
        return this.erasures === erasures ? result : gone;
      }),
    );
    this.recomputeTail = run.catch(() => undefined);
    return run;
  }

  /**
   * Pushes `trends.week_closed` with the closing week's figures when weekToAnnounce says so. Without
   * an open socket nothing is computed: the app reads GET /v1/me/trends when it opens.
   */
  private async announceClosedWeek(userId: string, outcome: RecomputeOutcome): Promise<void> {
    if (outcome.kind !== "computed" || !outcome.trends) return;
    const { today, weeks } = outcome.trends;
    const week = weekToAnnounce(today, outcome.snapshots.map((s) => s.date), this.getMeta("week_closed_announced"));
    if (week === null) return;
    this.setMeta("week_closed_announced", week);
    if (this.openSockets().length === 0) return;
    let record = weeks.find((w) => w.week_start === week);
    try {
      record ??= (await this.computeTrendWeeks(userId, [week], today))?.[0];
    } catch (error) {
      // The scores are stored and pushed; a missed announcement is not worth failing the run.
      createLogger({ component: "user_readiness" }).warn("week_closed_not_announced", describeError(error));
    }
    if (!record || record.days === 0) return;
    this.sendToLive([JSON.stringify({ type: "trends.week_closed", week: trendWeekItem(record, today) })]);
  }

  private async flushDeferredAudit(): Promise<void> {
    const rows = this.sql()
      .exec<{ id: number; entry: string }>("SELECT id, entry FROM audit_outbox ORDER BY id LIMIT ?", AUDIT_FLUSH_BATCH)
      .toArray();
    if (rows.length === 0) return;
    const entries = rows.map((r) => JSON.parse(r.entry) as TimedAuditEntry);
    await this.withDb(({ pool }) => auditMany(pool, entries));
    this.sql().exec("DELETE FROM audit_outbox WHERE id <= ?", rows.at(-1)!.id);
    if (rows.length === AUDIT_FLUSH_BATCH) await this.scheduleWork(0);
  }

  private async withDb<T>(work: (handle: DbHandle) => Promise<T>): Promise<T> {
    const handle = openDb(loadConfig(this.env));
    try {
      return await work(handle);
    } finally {
      await handle.close();
    }
  }

  /** Sets the alarm `delayMs` from now unless one is already due sooner. */
  private async scheduleWork(delayMs: number): Promise<void> {
    const due = Date.now() + delayMs;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > due) await this.ctx.storage.setAlarm(due);
  }

  private cache(snapshots: readonly ReadinessSnapshot[]): void {
    if (snapshots.length === 0) return;
    const sql = this.sql();
    // A rescore of two years gives 730 snapshots; only the newest CACHE_DAYS of them can stay.
    const newest = snapshots.length <= CACHE_DAYS
      ? snapshots
      : [...snapshots].sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0)).slice(0, CACHE_DAYS);
    // One statement for the batch; never replace a snapshot with one computed from older data (a
    // slow read racing a recompute).
    sql.exec(
      `INSERT INTO snapshots (date, computed_at, body)
       SELECT json_extract(value, '$.date'), json_extract(value, '$.computed_at'), value FROM json_each(?) WHERE true
       ON CONFLICT (date) DO UPDATE SET computed_at = excluded.computed_at, body = excluded.body
       WHERE excluded.computed_at >= snapshots.computed_at`,
      JSON.stringify(newest),
    );
    sql.exec("DELETE FROM snapshots WHERE date NOT IN (SELECT date FROM snapshots ORDER BY date DESC LIMIT ?)", CACHE_DAYS);
  }

  private broadcast(snapshots: readonly ReadinessSnapshot[]): void {
    if (snapshots.length === 0 || this.openSockets().length === 0) return;
    this.sendToLive(snapshots.map((snapshot) => JSON.stringify({ type: "readiness", snapshot })));
  }

  /** A socket whose client has gone (closing or closed) cannot be sent to; the client reconnects. */
  private openSockets(): WebSocket[] {
    return this.ctx.getWebSockets().filter((socket) => socket.readyState === WebSocket.READY_STATE_OPEN);
  }

  private sendToLive(messages: readonly string[]): void {
    const sockets = this.openSockets();
    for (const message of messages) {
      for (const socket of sockets) {
        try {
          socket.send(message);
        } catch {
          /* closed between the check and the send */
        }
      }
    }
  }

  private pendingDates(): { date: string; seq: number }[] {
    return this.sql().exec<{ date: string; seq: number }>("SELECT date, seq FROM pending_recompute ORDER BY date").toArray();
  }

  private holdsSnapshots(): boolean {
    if (!this.schemaReady) {
      // Asked without creating the tables: an erased object must stay empty.
      const exists = this.ctx.storage.sql
        .exec<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'snapshots'").one().n;
      if (exists === 0) return false;
    }
    return this.sql().exec<{ n: number }>("SELECT count(*) AS n FROM (SELECT 1 FROM snapshots LIMIT 1)").one().n > 0;
  }

  private sql(): SqlStorage {
    if (!this.schemaReady) {
      this.ctx.storage.sql.exec(SCHEMA);
      this.schemaReady = true;
    }
    return this.ctx.storage.sql;
  }

  private getMeta(key: string): string | undefined {
    return this.sql().exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
  }

  private setMeta(key: string, value: string): void {
    this.sql().exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, value);
  }
}

interface LiveSocket {
  /** When the bearer token that opened the socket expires (epoch ms). */
  expiresAt: number;
}

/** A socket without a readable attachment (opened before expiries were recorded) counts as expired. */
function socketExpiry(socket: WebSocket): number {
  const attachment = socket.deserializeAttachment() as Partial<LiveSocket> | null;
  return typeof attachment?.expiresAt === "number" ? attachment.expiresAt : 0;
}

/**
 * Closes a socket unless it is already closed: the runtime answers a client's close itself, and
 * closing (or sending to) a socket after that throws.
 */
function closeQuietly(socket: WebSocket, code: number, reason: string): void {
  if (socket.readyState === WebSocket.READY_STATE_CLOSED) return;
  try {
    socket.close(code, reason);
  } catch {
    /* closed meanwhile */
  }
}
