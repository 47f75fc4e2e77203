// The typed ways callers reach UserReadiness instances: one per user id (readiness work, cache, live
// sockets, deferred audit rows) and one per token subject (the identity used while Postgres is down).
// Callers see only the RPC interfaces below, never the class (user-readiness.ts implements them).
import type { Env } from "../workers/env";
import type { TimedAuditEntry } from "../workers/lib/audit";
import type { RequestUser } from "../workers/lib/context";
import type { AuditOutbox, DeferredAuditOrigin } from "../workers/lib/read-audit";
import type { RememberedUser } from "../workers/lib/users";
import type { ReadinessSnapshot } from "../workers/readiness/snapshot-store";
import type { TrendWeekRecord } from "../workers/readiness/trends-rollup";

export type { ReadinessSnapshot } from "../workers/readiness/snapshot-store";

/** Set by the Worker on the upgrade it forwards: the bearer token's `exp`, in epoch seconds. */
export const TOKEN_EXPIRY_HEADER = "x-hub-token-exp";
/** Close code for a socket whose token expired: the client reconnects with a fresh token. */
export const CLOSE_TOKEN_EXPIRED = 4001;
/** Close code when the user's connections changed (a vendor was disconnected). */
export const CLOSE_CONNECTIONS_CHANGED = 4002;

export interface ReadinessStats {
  /** Recompute runs of this instance since it started (diagnostics and tests). */
  recomputeCount: number;
  pendingDates: string[];
  cachedDates: number;
}

/** A user's readiness instance (`user:<user id>`). */
export interface ReadinessObject {
  /** Queues changed data dates for recompute; the object's alarm coalesces a burst into one run. */
  requestRecompute(userId: string, dates: string[], traceparent?: string): Promise<void>;
  /** Scores one date now (a read found data but no snapshot); null when after today or the user is gone. */
  computeOnDemand(userId: string, date: string): Promise<ReadinessSnapshot | null>;
  /** The cached snapshot for a date, or null when the object has none. */
  getSnapshot(date: string): Promise<ReadinessSnapshot | null>;
  /** Computes and stores trend weeks a read found missing (one writer per user); null when the user is gone. */
  computeTrendWeeks(userId: string, weekStarts: string[], today: string): Promise<TrendWeekRecord[] | null>;
  /** Keeps snapshots read from Postgres, so that they can be served while Postgres is down. */
  cacheSnapshots(snapshots: ReadinessSnapshot[]): Promise<void>;
  /** Keeps audit rows Postgres could not take and writes them once it answers (the one outbox entry). */
  deferAudit(entries: TimedAuditEntry[], origin: DeferredAuditOrigin): Promise<void>;
  /** Closes every live socket (CLOSE_CONNECTIONS_CHANGED): the app reconnects and re-reads. */
  closeLive(reason: string): Promise<void>;
  /** Learns the token subject whose identity instance erase() clears too. */
  linkSubject(subject: string): Promise<void>;
  stats(): Promise<ReadinessStats>;
  /** Forgets everything: snapshots, pending work, sockets, the subject's identity instance. */
  erase(): Promise<void>;
  /** The live WebSocket upgrade (GET /v1/me/readiness/live), authenticated by the Worker. */
  fetch(request: Request): Promise<Response>;
}

/** A token subject's identity instance (`sub:<subject>`). */
export interface IdentityObject {
  rememberUser(subject: string, user: RequestUser): Promise<void>;
  recallUser(): Promise<RequestUser | null>;
  erase(): Promise<void>;
}

type ObjectEnv = Pick<Env, "USER_READINESS">;

export const readinessObjectName = (userId: string) => `user:${userId}`;
export const identityObjectName = (subject: string) => `sub:${subject}`;

export function readinessClient(env: ObjectEnv, userId: string): ReadinessObject {
  return env.USER_READINESS.get(env.USER_READINESS.idFromName(readinessObjectName(userId)));
}

export function identityObject(env: ObjectEnv, subject: string): IdentityObject {
  return env.USER_READINESS.get(env.USER_READINESS.idFromName(identityObjectName(subject)));
}

/** The subject's identity instance as lib/users.ts needs it; erasing the user's readiness object erases it too. */
export function identityMemory(env: ObjectEnv, subject: string): RememberedUser {
  // Looked up only when used: most requests find their user cached and never need the instance.
  return {
    remember: (user) => identityObject(env, subject).rememberUser(subject, user),
    recall: async () => (await identityObject(env, subject).recallUser()) ?? null,
  };
}

/** The outbox lib/read-audit.ts is given: each user's rows wait in that user's object. */
export function auditOutbox(env: ObjectEnv): AuditOutbox {
  return (userId, entries, origin) => readinessClient(env, userId).deferAudit(entries, origin);
}
