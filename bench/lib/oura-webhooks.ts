// Signed Oura webhook requests, as Oura sends them: `x-oura-timestamp` (epoch seconds) and
// `x-oura-signature`, the upper-case hex HMAC-SHA256 of timestamp + raw body under the client secret.
import { signOuraWebhook } from "../../workers/vendors/oura";
import type { RequestTemplate } from "./load-types";
import type { ConnectedOuraUser } from "./oura-users";

export const WEBHOOK_PATH = "/webhooks/oura";

export interface OuraNightRef {
  userId: string;
  vendorUserId: string;
  objectId: string;
  /** The night's date (Oura's `day`): its sleep_daily row's date. */
  day: string;
}

/** Every night of every user, interleaved (user 1's first night, user 2's first night, …). */
export function nightsOf(users: readonly ConnectedOuraUser[]): OuraNightRef[] {
  const longest = Math.max(0, ...users.map((user) => user.nights.length));
  const refs: OuraNightRef[] = [];
  for (let i = 0; i < longest; i++) {
    for (const user of users) {
      const night = user.nights[i];
      if (night) refs.push({ userId: user.userId, vendorUserId: user.vendorUserId, objectId: night.id, day: night.day });
    }
  }
  return refs;
}

/**
 * `count` signed `update` events over `nights` in turn. Each gets its own event_time, so every
 * request is a new event for the hub (not a redelivery) even when a night comes round again.
 */
export async function signedSleepUpdates(secret: string, nights: readonly OuraNightRef[], count: number): Promise<RequestTemplate[]> {
  const timestamp = Math.floor(Date.now() / 1000);
  const baseMs = Date.now();
  const templates: RequestTemplate[] = [];
  for (let i = 0; i < count; i++) {
    const night = nights[i % nights.length]!;
    const body = JSON.stringify({
      event_type: "update",
      data_type: "sleep",
      object_id: night.objectId,
      event_time: new Date(baseMs + i).toISOString(),
      user_id: night.vendorUserId,
    });
    templates.push({
      method: "POST",
      path: WEBHOOK_PATH,
      headers: {
        "content-type": "application/json",
        "x-oura-timestamp": String(timestamp),
        "x-oura-signature": await signOuraWebhook(secret, timestamp, body),
      },
      body,
    });
  }
  return templates;
}
