// The typed way callers reach a user's UserReadiness object (one per user id).
import type { Env } from "../workers/env";

export function readinessClient(env: Pick<Env, "USER_READINESS">, userId: string) {
  return env.USER_READINESS.get(env.USER_READINESS.idFromName(`user:${userId}`));
}
