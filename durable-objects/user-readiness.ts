// UserReadiness: one Durable Object per user. It serializes and coalesces that user's readiness work,
// caches the latest snapshots, and pushes new ones to the user's live WebSockets.
//
// Storage layout (SQLite, this object's own):
//   meta(key TEXT PRIMARY KEY, value TEXT)      user_id, recompute_count
//   pending_dates(date TEXT PRIMARY KEY)        dates waiting for the next recompute
//   snapshots(date TEXT PRIMARY KEY, body TEXT) latest readiness per date (JSON, the API's item shape)
// Alarm: set when dates are pending; fires COALESCE_MS after the first request of a burst, so that
// several messages for one user within that window become one recompute.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../workers/env";
import { recomputeReadiness, type ReadinessSnapshot } from "../workers/insights/recompute";
import { createLogger, describeError } from "../workers/lib/logger";

export const COALESCE_MS = 1_500;
const CACHE_DAYS = 120;
const RETRY_MS = 30_000;

export class UserReadiness extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS pending_dates (date TEXT PRIMARY KEY);
      CREATE TABLE IF NOT EXISTS snapshots (date TEXT PRIMARY KEY, body TEXT NOT NULL);
    `);
  }

  /** Queues dates for recompute; the alarm coalesces a burst into one run. */
  async requestRecompute(userId: string, dates: string[]): Promise<void> {
    this.setMeta("user_id", userId);
    for (const date of dates) this.sql.exec("INSERT OR IGNORE INTO pending_dates (date) VALUES (?)", date);
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + COALESCE_MS);
    }
  }

  override async alarm(): Promise<void> {
    const userId = this.getMeta("user_id");
    const dates = this.sql.exec<{ date: string }>("SELECT date FROM pending_dates ORDER BY date").toArray().map((r) => r.date);
    if (!userId || dates.length === 0) return;
    try {
      const snapshots = await recomputeReadiness(this.env, userId, dates);
      this.sql.exec(`DELETE FROM pending_dates WHERE date IN (${dates.map(() => "?").join(",")})`, ...dates);
      this.setMeta("recompute_count", String(Number(this.getMeta("recompute_count") ?? "0") + 1));
      this.cache(snapshots);
      this.broadcast(snapshots);
    } catch (error) {
      createLogger({ component: "user_readiness" }).error("recompute_failed", describeError(error));
      await this.ctx.storage.setAlarm(Date.now() + RETRY_MS);
    }
  }

  /** The cached snapshot for a date, or null when this object has none. */
  async getSnapshot(date: string): Promise<ReadinessSnapshot | null> {
    const row = this.sql.exec<{ body: string }>("SELECT body FROM snapshots WHERE date = ?", date).toArray()[0];
    return row ? (JSON.parse(row.body) as ReadinessSnapshot) : null;
  }

  async stats(): Promise<{ recomputeCount: number; pendingDates: string[]; cachedDates: number }> {
    return {
      recomputeCount: Number(this.getMeta("recompute_count") ?? "0"),
      pendingDates: this.sql.exec<{ date: string }>("SELECT date FROM pending_dates ORDER BY date").toArray().map((r) => r.date),
      cachedDates: this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM snapshots").one().n,
    };
  }

  /** Erasure: drop every stored byte and the alarm, and close live sockets. */
  async erase(): Promise<void> {
    for (const socket of this.ctx.getWebSockets()) socket.close(1000, "account erased");
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /** WebSocket upgrade for GET /v1/me/readiness/live (authenticated by the Worker before it gets here). */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const pair = new WebSocketPair();
    // Hibernation API: the object can be evicted while sockets stay open.
    this.ctx.acceptWebSocket(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (message === "ping") socket.send("pong");
  }

  override async webSocketClose(socket: WebSocket, code: number): Promise<void> {
    socket.close(code === 1005 ? 1000 : code, "closing");
  }

  private cache(snapshots: ReadinessSnapshot[]): void {
    for (const snapshot of snapshots) {
      this.sql.exec("INSERT OR REPLACE INTO snapshots (date, body) VALUES (?, ?)", snapshot.date, JSON.stringify(snapshot));
    }
    this.sql.exec(
      "DELETE FROM snapshots WHERE date NOT IN (SELECT date FROM snapshots ORDER BY date DESC LIMIT ?)",
      CACHE_DAYS,
    );
  }

  private broadcast(snapshots: ReadinessSnapshot[]): void {
    for (const snapshot of snapshots) {
      const message = JSON.stringify({ type: "readiness", snapshot });
      for (const socket of this.ctx.getWebSockets()) {
        try {
          socket.send(message);
        } catch {
          /* a closing socket: the client reconnects */
        }
      }
    }
  }

  private getMeta(key: string): string | undefined {
    return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
  }

  private setMeta(key: string, value: string): void {
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, value);
  }
}
