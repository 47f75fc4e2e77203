// Messages between the load run's main thread and its session threads (session-thread.ts).
import type { FailedRequest } from "./load-types";

export const ROUTES = [
  "GET /v1/me",
  "GET /v1/me/readiness",
  "GET /v1/me/readiness/history",
  "GET /v1/me/sleep",
  "GET /v1/me/hrv",
  "POST /v1/me/samples",
  "WS /v1/me/readiness/live",
  "POST /webhooks/oura",
  "POST /webhooks/whoop",
] as const;
export type RouteName = (typeof ROUTES)[number];

export type AthleteVendor = "oura" | "whoop" | "phone";

/** What a session thread needs to act as one athlete (plain data: it crosses threads). */
export interface AthleteSpec {
  subject: string;
  /** Bearer JWT from the identity-provider simulator. */
  token: string;
  vendor: AthleteVendor;
  phoneSource: "apple_health" | "health_connect";
  /** The vendor's id of the account (WHOOP's is a number, sent as one). */
  vendorUserId: string;
  /** Ids of the athlete's recent nights held by the vendor simulator (Oura sleep / WHOOP sleep). */
  objects: string[];
}

export interface SessionStep {
  /** Milliseconds after the session's start. */
  atMs: number;
  route: RouteName;
  /** Webhooks: index into the athlete's objects, and which event. */
  object?: number;
  event?: "sleep" | "sleep.updated" | "recovery.updated";
}

export interface SessionPlan {
  index: number;
  athlete: number;
  /** Milliseconds after the run's start. */
  startMs: number;
  endMs: number;
  steps: SessionStep[];
}

export interface SessionJob {
  origin: string;
  athletes: AthleteSpec[];
  /** This thread's share of the sessions. */
  sessions: SessionPlan[];
  /** The user's today (UTC) and the ranges the app asks for. */
  today: string;
  secrets: { oura: string; whoop: string };
  /** Statuses that count as success, per route (the bare Worker answers 200 to everything). */
  expect: Record<RouteName, number[]>;
  timeoutMs: number;
  /** Keep-alive connections of this thread's HTTP pool. */
  connections: number;
  progressEveryMs: number;
}

/** Main → thread: go, with the run's start as epoch milliseconds (the same for every thread). */
export interface StartMessage {
  kind: "start";
  startEpochMs: number;
}

export interface RouteOutcome {
  sent: number;
  ok: number;
  statusCounts: Record<string, number>;
  failures: FailedRequest[];
  failuresDropped: number;
  /** Successful requests: latency from the scheduled send to the end of the answer… */
  latenciesMs: Float64Array;
  /** …and when each was scheduled (ms after the run's start), to pick a stage's share. */
  scheduledMs: Float64Array;
  /** Requests sent more than 10 ms after their scheduled time (the generator falling behind). */
  lateSends: number;
  maxSendLagMs: number;
}

export interface LiveSocketOutcome {
  opened: number;
  /** Closed by the server before the session ended. */
  closedEarly: number;
  /** Readiness pushes received. */
  messages: number;
}

export interface ThreadProgress {
  kind: "progress";
  /** Ms after the run's start. */
  atMs: number;
  activeSessions: number;
  openSockets: number;
  inFlight: number;
  answered: number;
  failed: number;
  /** Latencies of the requests answered since the last progress message. */
  latenciesMs: Float64Array;
}

export interface ThreadOutcome {
  kind: "done";
  routes: Record<RouteName, RouteOutcome>;
  live: LiveSocketOutcome;
  wallS: number;
}

export type ThreadMessage = { kind: "ready" } | ThreadProgress | ThreadOutcome;
