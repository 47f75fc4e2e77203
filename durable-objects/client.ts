// The typed ways callers reach UserReadiness instances: one per user id (readiness work, cache, live
// sockets, deferred audit rows) and one per token subject (the identity used while Postgres is down).
import type { Env } from "../workers/env";
import type { RequestUser } from "../workers/lib/context";

export type { ReadinessStats } from "./user-readiness";
export { CLOSE_CONNECTIONS_CHANGED, CLOSE_TOKEN_EXPIRED, TOKEN_EXPIRY_HEADER } from "./user-readiness";
export type { ReadinessSnapshot } from "../workers/insights/recompute";

export function readinessClient(env: Pick<Env, "USER_READINESS">, userId: string) {
  return env.USER_READINESS.get(env.USER_READINESS.idFromName(`user:${userId}`));
}

export function identityStub(env: Pick<Env, "USER_READINESS">, subject: string) {
  return env.USER_READINESS.get(env.USER_READINESS.idFromName(`sub:${subject}`));
}

/** Where a verified token subject's user is remembered outside Postgres. */
export interface IdentityMemory {
  remember(user: RequestUser): Promise<void>;
  recall(): Promise<RequestUser | null>;
}

/** The subject's identity instance; erasing the user's readiness object erases it too. */
export function identityMemory(env: Pick<Env, "USER_READINESS">, subject: string): IdentityMemory {
  // Looked up only when used: most requests find their user cached and never need the instance.
  return {
    remember: (user) => identityStub(env, subject).rememberUser(subject, user),
    recall: async () => (await identityStub(env, subject).recallUser()) ?? null,
  };
}
