// Routes: vendor webhooks (CONTRACT §2), one per vendor of the registry. Authenticated by the vendors'
// signatures, not by users. Never answers 410: Oura cancels a subscription on a 410.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { limitBody, WEBHOOK_BODY_MAX_BYTES } from "../lib/body-limit";
import type { AppEnv } from "../lib/context";
import { sha256, timingSafeEqual } from "../lib/encoding";
import { ApiError, errorResponse } from "../lib/errors";
import { vendorAdapters } from "../vendors/registry";
import { acceptVendorWebhook } from "./webhook";

// Built once: the webhook route is a hot path (docs/benchmarks.md).
const webhookBodyLimit = limitBody(WEBHOOK_BODY_MAX_BYTES);

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

export function registerWebhookRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(ouraHandshakeRoute, async (c) => {
    const { verification_token: token, challenge } = c.req.valid("query");
    // Digests of both sides: equal lengths for the constant-time comparison, and the token's own
    // length stays private.
    const expected = await sha256(c.get("config").OURA_WEBHOOK_VERIFICATION_TOKEN);
    if (token === undefined || !timingSafeEqual(await sha256(token), expected)) {
      throw new ApiError("UNAUTHORIZED", "verification token does not match");
    }
    return c.json({ challenge }, 200);
  });

  for (const adapter of vendorAdapters()) {
    const route = createRoute({
      method: "post",
      path: `/webhooks/${adapter.vendor}`,
      summary: adapter.webhook.summary,
      middleware: [webhookBodyLimit] as const,
      responses: accepted,
    });
    app.openapi(route, (c) => acceptVendorWebhook(c, adapter.webhook, adapter.webhookSecret(c.get("config"))));
  }
}
