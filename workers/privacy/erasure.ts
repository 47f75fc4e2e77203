// Erasure of a user everywhere the hub keeps data (GDPR Art. 17):
//   1. the caller isolate's copies of the user's readiness (forgotten through the function the API
//      route passes in), the user's UserReadiness Durable Object (storage, alarm, live sockets) and
//      the identity instance that remembers the token subject's user for Postgres outages;
//   2. Postgres, in one transaction: the users row (every per-user table cascades from it), raw
//      webhook deliveries for the user's vendor accounts, and dead letters that name the user;
//   3. the vendor grants, revoked after the data is gone (a vendor outage must not keep data alive).
// One audit row remains; it holds the pseudonym audit_ref, which no longer leads to anyone.
import { eq, sql } from "drizzle-orm";
import { connections } from "../../db/schema";
import { identityObject, readinessClient } from "../../durable-objects/client";
import type { Config, Env } from "../env";
import { revokeAtVendor } from "../connections/connect";
import { keyRing, openAccessToken } from "../connections/tokens";
import { audit } from "../lib/audit";
import { ApiError } from "../lib/errors";
import type { RequestUser } from "../lib/context";
import type { Database } from "../lib/db";
import type { Logger } from "../lib/logger";
import { forgetVerifiedUser } from "../lib/users";
import type { Vendor } from "../vendors/types";

export interface ErasureContext {
  db: Database;
  env: Pick<Env, "USER_READINESS">;
  config: Config;
  log: Logger;
  requestId: string;
  /**
   * Makes the caller's isolate stop answering the user's readiness from memory (the API layer's
   * copies, workers/api/readiness-edge.ts), given by the caller so that privacy imports no route code.
   */
  forgetCachedReadiness: (userId: string) => void;
}

interface Grant {
  vendor: Vendor;
  accessToken: string;
}

/** Erases the user's data; resolves once it is gone, with the vendor revocations still to await. */
export async function eraseUser(ctx: ErasureContext, user: RequestUser): Promise<{ revocations: Promise<void> }> {
  const grants = await openGrants(ctx, user.id);
  ctx.forgetCachedReadiness(user.id);
  // First the Durable Object: should it fail, nothing is deleted yet and the client can simply retry.
  await readinessClient(ctx.env, user.id).erase().catch(() => {
    throw new ApiError("UNAVAILABLE", "the readiness store could not be reached; nothing was erased, retry");
  });
  const subject = await deleteRows(ctx, user);
  forgetVerifiedUser(user.id);
  // Again after the rows are gone: a recompute running meanwhile may have cached a snapshot, and the
  // subject's identity instance may have been written by a request that raced this one.
  await Promise.all([
    readinessClient(ctx.env, user.id).erase(),
    subject ? identityObject(ctx.env, subject).erase() : undefined,
  ]).catch(() => ctx.log.warn("erasure_durable_object_recheck_failed"));
  ctx.log.info("user_erased", { connections: grants.length });
  return { revocations: revokeGrants(ctx, grants) };
}

/** Access tokens in the clear, read before the rows go; a token that cannot be opened is skipped. */
async function openGrants(ctx: ErasureContext, userId: string): Promise<Grant[]> {
  const rows = await ctx.db.select().from(connections).where(eq(connections.userId, userId));
  const ring = keyRing(ctx.config);
  const grants: Grant[] = [];
  for (const row of rows) {
    try {
      grants.push({ vendor: row.vendor, accessToken: await openAccessToken(ring, row) });
    } catch {
      ctx.log.warn("erasure_token_unreadable", { vendor: row.vendor });
    }
  }
  return grants;
}

/** Deletes the rows in one transaction; resolves with the erased user's token subject. */
async function deleteRows(ctx: ErasureContext, user: RequestUser): Promise<string | undefined> {
  return ctx.db.transaction(async (tx) => {
    // The transaction offers the same insert as the database handle that audit() is typed for.
    await audit(tx as unknown as Database, {
      actorRef: user.auditRef, action: "erase", subjectRef: user.auditRef, resource: "user", requestId: ctx.requestId,
    });
    const accounts = sql`SELECT vendor, vendor_user_id FROM connections WHERE user_id = ${user.id}`;
    await tx.execute(sql`DELETE FROM webhook_events WHERE (vendor, vendor_user_id) IN (${accounts})`);
    // Dead letters carry queue bodies: match the user's id and vendor accounts inside them too.
    await tx.execute(sql`
      DELETE FROM dead_letters
      WHERE user_id = ${user.id}
         OR body->>'user_id' = ${user.id}
         OR body->>'connection_id' IN (SELECT id::text FROM connections WHERE user_id = ${user.id})
         OR (body->>'vendor', body->>'vendor_user_id') IN (${accounts})`);
    const deleted = await tx.execute<{ subject: string }>(sql`DELETE FROM users WHERE id = ${user.id} RETURNING subject`);
    return deleted.rows[0]?.subject;
  });
}

async function revokeGrants(ctx: ErasureContext, grants: Grant[]): Promise<void> {
  await Promise.all(
    grants.map(async ({ vendor, accessToken }) => {
      try {
        await revokeAtVendor(ctx.config, vendor, accessToken);
        ctx.log.info("erasure_grant_revoked", { vendor });
      } catch {
        // The tokens are deleted either way; an unrevoked grant lapses at the vendor.
        ctx.log.warn("erasure_grant_revoke_failed", { vendor });
      }
    }),
  );
}
