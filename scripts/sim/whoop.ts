// WHOOP API v2 simulator: OAuth, profile, sleeps, recoveries, cycles, workouts, access revocation and
// signed webhooks.
import { createHmac } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { WhoopRecovery, WhoopSleep } from "./generate";
import {
  bearerToken,
  decodePageToken,
  encodePageToken,
  FaultPlan,
  listen,
  logRequests,
  Router,
  sendEmpty,
  sendJson,
  type LoggedRequest,
  type RequestContext,
  type RouteHandler,
} from "./http";
import { authorizeHandler, OAuthGrants, tokenHandler, type OAuthClient } from "./oauth";
import type { SignedWebhook } from "./oura";
import { NetworkFaults } from "./faults";

export interface WhoopSimOptions extends OAuthClient {
  port?: number;
  accessTokenTtlSeconds?: number;
  /**
   * WHOOP's app-wide limit per minute. Every answer reports it in X-RateLimit-* headers; calls over
   * it are refused with 429 only when `enforceRateLimit` is set (a test suite shares one app).
   */
  rateLimitPerMinute?: number;
  enforceRateLimit?: boolean;
}

const DAY_LIMIT = 10_000;

export interface WhoopProfile {
  user_id: number;
  email: string;
  first_name: string;
  last_name: string;
}

/** Stored records may be incomplete or malformed on purpose, to test the hub's validation. */
export type WhoopSleepInput = Pick<WhoopSleep, "id" | "start"> & Record<string, unknown>;
export type WhoopRecoveryInput = Pick<WhoopRecovery, "cycle_id"> & Record<string, unknown>;
export type WhoopCycleInput = { id: number; start: string } & Record<string, unknown>;
export type WhoopWorkoutInput = { id: string; start: string } & Record<string, unknown>;

export interface WhoopWebhookEvent {
  user_id: number;
  id: string;
  type: string;
  trace_id: string;
}

export interface WhoopSim {
  url: string;
  /** `url` + "/developer", the value for WHOOP_API_BASE. */
  apiBase: string;
  stop(): Promise<void>;
  addUser(userId: number, profile?: Partial<Omit<WhoopProfile, "user_id">>): void;
  putSleep(userId: number, sleep: WhoopSleepInput): void;
  putRecovery(userId: number, recovery: WhoopRecoveryInput): void;
  deleteSleep(id: string): boolean;
  deleteRecovery(cycleId: number): boolean;
  /** Cycles (GET /v2/cycle, /v2/cycle/{id}) and workouts (GET /v2/activity/workout, /…/{id}). */
  putCycle(userId: number, cycle: WhoopCycleInput): void;
  deleteCycle(id: number): boolean;
  putWorkout(userId: number, workout: WhoopWorkoutInput): void;
  deleteWorkout(id: string): boolean;
  /** The next `count` API calls answer `status` (with X-RateLimit-Reset when a wait is given). */
  failNext(count: number, status: number, retryAfterSeconds?: number, account?: number): void;
  /** Expires the account's access tokens (every account's when none is named). */
  expireAccessTokens(userId?: number): void;
  signedWebhook(body: WhoopWebhookEvent | string, options?: { timestampMs?: number }): SignedWebhook;
  /** POSTs a signed notification to `callbackUrl`; resolves with the answer's status. */
  deliverWebhook(callbackUrl: string, body: WhoopWebhookEvent | string): Promise<number>;
  /** Every request answered so far (method, path, query without credentials, status). */
  readonly requests: LoggedRequest[];
  /** Access tokens ended through `DELETE /v2/user/access`, oldest first. */
  readonly revokedTokens: string[];
  /** Latency, 5xx/429 bursts and slow bodies on every request (faults.ts). */
  readonly network: NetworkFaults;
}

const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 25;

export async function startWhoopSim(options: WhoopSimOptions): Promise<WhoopSim> {
  const users = new Map<number, WhoopProfile>();
  const sleeps = new Map<string, WhoopSleepInput>();
  const recoveries = new Map<number, WhoopRecoveryInput>();
  const cycles = new Map<number, WhoopCycleInput>();
  const workouts = new Map<string, WhoopWorkoutInput>();
  const requests: LoggedRequest[] = [];
  const perMinute = options.rateLimitPerMinute ?? 100;
  // WHOOP answers 429 with the wait in X-RateLimit-Reset (seconds), not Retry-After.
  const faults = new FaultPlan((seconds) => ({
    "x-ratelimit-limit": `${perMinute}, ${perMinute};window=60, ${DAY_LIMIT};window=86400`,
    "x-ratelimit-remaining": "0",
    "x-ratelimit-reset": String(seconds),
  }));
  const minuteWindow = { startMs: 0, used: 0 };
  /** Counts the call in the app-wide minute window and states the limits as WHOOP's headers do. */
  const rateLimitHeaders = (res: ServerResponse): boolean => {
    const now = Date.now();
    if (now - minuteWindow.startMs >= 60_000) Object.assign(minuteWindow, { startMs: now, used: 0 });
    minuteWindow.used++;
    const resetSeconds = Math.ceil((minuteWindow.startMs + 60_000 - now) / 1000);
    res.setHeader("x-ratelimit-limit", `${perMinute}, ${perMinute};window=60, ${DAY_LIMIT};window=86400`);
    res.setHeader("x-ratelimit-remaining", String(Math.max(0, perMinute - minuteWindow.used)));
    res.setHeader("x-ratelimit-reset", String(resetSeconds));
    if (!options.enforceRateLimit || minuteWindow.used <= perMinute) return false;
    sendJson(res, 429, { error: "Too Many Requests" });
    return true;
  };
  const network = new NetworkFaults({
    errorBody: (status) => ({ error: `simulated HTTP ${status}` }),
    rateLimitHeaders: (resetSeconds) => ({ "x-ratelimit-limit": String(perMinute), "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(resetSeconds) }),
  });
  const grants = new OAuthGrants<number>({
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
    tokenPrefix: "whoop",
    grantsRefreshToken: (scope) => scope.split(/\s+/).includes("offline"),
    refreshRequiresScope: "offline",
  });

  const api =
    (handler: (ctx: RequestContext, userId: number, token: string) => void): RouteHandler =>
    (ctx) => {
      const token = bearerToken(ctx.req);
      const userId = token === undefined ? undefined : grants.userFor(token);
      if (rateLimitHeaders(ctx.res)) return;
      if (faults.answer(ctx.res, (status) => ({ error: `simulated HTTP ${status}` }), userId)) return;
      if (token === undefined || userId === undefined) return sendJson(ctx.res, 401, { error: "Unauthorized" });
      handler(ctx, userId, token);
    };

  /** WHOOP collections: newest first, `start` inclusive, `end` exclusive, at most 25 a page. */
  const page = <T>(ctx: RequestContext, records: T[], instantOf: (record: T) => string) => {
    const query = ctx.url.searchParams;
    const limit = Number(query.get("limit") ?? DEFAULT_PAGE_SIZE);
    const start = query.get("start");
    const end = query.get("end");
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      return sendJson(ctx.res, 400, { error: `limit must be 1..${MAX_PAGE_SIZE}` });
    }
    if ((start !== null && Number.isNaN(Date.parse(start))) || (end !== null && Number.isNaN(Date.parse(end)))) {
      return sendJson(ctx.res, 400, { error: "start and end must be date-times" });
    }
    const matching = records
      .filter((record) => {
        const at = Date.parse(instantOf(record));
        return (start === null || at >= Date.parse(start)) && (end === null || at < Date.parse(end));
      })
      .sort((a, b) => Date.parse(instantOf(b)) - Date.parse(instantOf(a)));
    const offset = decodePageToken(query.get("nextToken"));
    const nextOffset = offset + limit;
    sendJson(ctx.res, 200, {
      records: matching.slice(offset, nextOffset),
      next_token: nextOffset < matching.length ? encodePageToken(nextOffset) : null,
    });
  };

  /** One record by its id, to its owner only (WHOOP answers 404 for anyone else's). */
  const own = <K, T extends Record<string, unknown>>(records: Map<K, T>, key: (params: Record<string, string>) => K): RouteHandler =>
    api(({ res, params }, userId) => {
      const record = records.get(key(params));
      if (!record || record.user_id !== userId) return sendJson(res, 404, { error: "Not Found" });
      sendJson(res, 200, record);
    });
  const byId = (params: Record<string, string>) => params.id ?? "";
  const byCycleId = (params: Record<string, string>) => Number(params.cycleId);

  const router = new Router()
    .onRequest((ctx) => logRequests(requests, ctx))
    .intercept(network)
    .on(
      "GET",
      "/oauth/oauth2/auth",
      authorizeHandler({
        client: options,
        grants,
        defaultScope: "read:recovery read:cycles read:sleep read:workout read:profile",
        resolveUser: (requested) =>
          requested === null ? users.keys().next().value : users.get(Number(requested))?.user_id,
        minStateLength: 8,
      }),
    )
    .on("POST", "/oauth/oauth2/token", tokenHandler(options, grants))
    .on(
      "GET",
      "/developer/v2/user/profile/basic",
      api(({ res }, userId) => sendJson(res, 200, users.get(userId))),
    )
    .on(
      "GET",
      "/developer/v2/activity/sleep",
      api((ctx, userId) =>
        page(
          ctx,
          [...sleeps.values()].filter((sleep) => sleep.user_id === userId),
          (sleep) => sleep.start,
        ),
      ),
    )
    .on("GET", "/developer/v2/activity/sleep/:id", own(sleeps, byId))
    .on("GET", "/developer/v2/cycle/:cycleId/recovery", own(recoveries, byCycleId))
    .on(
      "GET",
      "/developer/v2/recovery",
      api((ctx, userId) =>
        page(
          ctx,
          [...recoveries.values()].filter((recovery) => recovery.user_id === userId),
          (recovery) => String(recovery.created_at ?? ""),
        ),
      ),
    )
    .on(
      "GET",
      "/developer/v2/cycle",
      api((ctx, userId) => page(ctx, [...cycles.values()].filter((cycle) => cycle.user_id === userId), (cycle) => cycle.start)),
    )
    .on("GET", "/developer/v2/cycle/:cycleId", own(cycles, byCycleId))
    .on(
      "GET",
      "/developer/v2/activity/workout",
      api((ctx, userId) => page(ctx, [...workouts.values()].filter((workout) => workout.user_id === userId), (workout) => workout.start)),
    )
    .on("GET", "/developer/v2/activity/workout/:id", own(workouts, byId))
    .on(
      "DELETE",
      "/developer/v2/user/access",
      api(({ res }, _userId, token) => {
        grants.revoke(token);
        sendEmpty(res, 204);
      }),
    );

  const signedWebhook: WhoopSim["signedWebhook"] = (body, signOptions = {}) => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const timestamp = String(signOptions.timestampMs ?? Date.now());
    const signature = createHmac("sha256", options.clientSecret).update(timestamp + text).digest("base64");
    return {
      headers: {
        "Content-Type": "application/json",
        "X-WHOOP-Signature": signature,
        "X-WHOOP-Signature-Timestamp": timestamp,
      },
      body: text,
    };
  };

  const requireUser = (userId: number) => {
    if (!users.has(userId)) throw new Error(`unknown simulated WHOOP user ${userId}`);
  };

  const server = await listen(router, options.port);
  return {
    url: server.url,
    apiBase: `${server.url}/developer`,
    stop: server.stop,
    addUser(userId, profile = {}) {
      users.set(userId, {
        user_id: userId,
        email: `whoop-${userId}@example.test`,
        first_name: "Sim",
        last_name: `User${userId}`,
        ...profile,
      });
    },
    putSleep(userId, sleep) {
      requireUser(userId);
      sleeps.set(sleep.id, { ...sleep, user_id: userId });
    },
    putRecovery(userId, recovery) {
      requireUser(userId);
      recoveries.set(recovery.cycle_id, { ...recovery, user_id: userId });
    },
    deleteSleep: (id) => sleeps.delete(id),
    deleteRecovery: (cycleId) => recoveries.delete(cycleId),
    putCycle(userId, cycle) {
      requireUser(userId);
      cycles.set(cycle.id, { ...cycle, user_id: userId });
    },
    deleteCycle: (id) => cycles.delete(id),
    putWorkout(userId, workout) {
      requireUser(userId);
      workouts.set(workout.id, { ...workout, user_id: userId });
    },
    deleteWorkout: (id) => workouts.delete(id),
    failNext: (count, status, retryAfterSeconds, account) => faults.failNext(count, status, retryAfterSeconds, account),
    expireAccessTokens: (account) => grants.expireAccessTokens(account),
    signedWebhook,
    async deliverWebhook(callbackUrl, body) {
      const signed = signedWebhook(body);
      const response = await fetch(callbackUrl, { method: "POST", headers: signed.headers, body: signed.body });
      await response.body?.cancel();
      return response.status;
    },
    requests,
    revokedTokens: grants.revokedTokens,
    network,
  };
}
