// Routes: vendor webhooks (CONTRACT §2). Authenticated by the vendors' signatures, not by users.
// Never answers 410: Oura cancels a subscription on a 410.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../lib/context";
import { ApiError } from "../lib/errors";
import { constantTimeEqual } from "../vendors/hmac";
import { ouraWebhookAdapter } from "../vendors/oura";
import { whoopWebhookAdapter } from "../vendors/whoop";
import { acceptVendorWebhook } from "./webhook";

const errorResponse = (description: string) => ({ description });
const accepted = {
  200: {
    description: "the event is durably queued",
    content: { "application/json": { schema: z.object({ status: z.literal("accepted") }) } },
  },
  400: errorResponse("malformed body"),
  401: errorResponse("missing or invalid signature, or a timestamp outside the tolerance window"),
  413: errorResponse("body over 64 KiB"),
  503: errorResponse("the event could not be queued; retry"),
};

const ouraHandshakeRoute = createRoute({
  method: "get",
  path: "/webhooks/oura",
  summary: "Oura subscription handshake: echoes the challenge when the verification token matches",
  request: {
    query: z.object({
      verification_token: z.string().max(512).optional(),
      challenge: z.string().min(1).max(512),
    }),
  },
  responses: {
    200: { description: "token matches", content: { "application/json": { schema: z.object({ challenge: z.string() }) } } },
    401: errorResponse("verification token missing or wrong"),
  },
});

const ouraEventRoute = createRoute({
  method: "post",
  path: "/webhooks/oura",
  summary: "Oura event notification {event_type, data_type, object_id, event_time, user_id}, signed with x-oura-signature",
  responses: accepted,
});

const whoopEventRoute = createRoute({
  method: "post",
  path: "/webhooks/whoop",
  summary: "WHOOP event notification {user_id, id, type, trace_id}, signed with X-WHOOP-Signature",
  responses: accepted,
});

const encoder = new TextEncoder();

export function registerWebhookRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(ouraHandshakeRoute, (c) => {
    const { verification_token: token, challenge } = c.req.valid("query");
    const expected = encoder.encode(c.get("config").OURA_WEBHOOK_VERIFICATION_TOKEN);
    if (token === undefined || !constantTimeEqual(encoder.encode(token), expected)) {
      throw new ApiError("UNAUTHORIZED", "verification token does not match");
    }
    return c.json({ challenge }, 200);
  });

  app.openapi(ouraEventRoute, (c) => acceptVendorWebhook(c, ouraWebhookAdapter, c.get("config").OURA_CLIENT_SECRET));
  app.openapi(whoopEventRoute, (c) => acceptVendorWebhook(c, whoopWebhookAdapter, c.get("config").WHOOP_CLIENT_SECRET));
}
