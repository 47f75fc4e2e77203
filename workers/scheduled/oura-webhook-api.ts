// Oura's webhook subscription API (app credentials in x-client-id / x-client-secret, no user token).
import { z } from "zod";
import { classifyStatus, joinUrl, VendorError } from "../vendors/http";
import type { FetchLike } from "../vendors/types";

export interface OuraAppCredentials {
  OURA_API_BASE: string;
  OURA_CLIENT_ID: string;
  OURA_CLIENT_SECRET: string;
}

export const ouraSubscriptionSchema = z.object({
  id: z.string().min(1),
  callback_url: z.string().optional(),
  event_type: z.string(),
  data_type: z.string(),
  expiration_time: z.string().refine((text) => !Number.isNaN(Date.parse(text)), "expected a date-time"),
});
export type OuraSubscription = z.infer<typeof ouraSubscriptionSchema>;

async function call<S extends z.ZodType>(
  app: OuraAppCredentials,
  method: string,
  path: string,
  schema: S,
  fetchImpl: FetchLike,
  body?: unknown,
): Promise<z.output<S>> {
  const resource = `webhook subscription ${method}`;
  let response: Response;
  try {
    response = await fetchImpl(joinUrl(app.OURA_API_BASE, path), {
      method,
      headers: {
        "x-client-id": app.OURA_CLIENT_ID,
        "x-client-secret": app.OURA_CLIENT_SECRET,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch {
    throw new VendorError("retryable", `oura ${resource}: network error or timeout`, "oura");
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw classifyStatus("oura", resource, response, Date.now());
  }
  const parsed = schema.safeParse(await response.json().catch(() => null));
  if (!parsed.success) throw new VendorError("permanent", `oura ${resource}: unexpected answer`, "oura", response.status);
  return parsed.data;
}

export function listOuraSubscriptions(app: OuraAppCredentials, fetchImpl: FetchLike = fetch): Promise<OuraSubscription[]> {
  return call(app, "GET", "/v2/webhook/subscription", z.array(ouraSubscriptionSchema), fetchImpl);
}

export function createOuraSubscription(
  app: OuraAppCredentials,
  request: { callback_url: string; verification_token: string; event_type: string; data_type: string },
  fetchImpl: FetchLike = fetch,
): Promise<OuraSubscription> {
  return call(app, "POST", "/v2/webhook/subscription", ouraSubscriptionSchema, fetchImpl, request);
}

export function renewOuraSubscription(app: OuraAppCredentials, id: string, fetchImpl: FetchLike = fetch): Promise<OuraSubscription> {
  return call(app, "PUT", `/v2/webhook/subscription/renew/${encodeURIComponent(id)}`, ouraSubscriptionSchema, fetchImpl);
}
