// Route: GET /oauth/{vendor}/callback (CONTRACT §3). The vendor's redirect carries no bearer token and
// arrives in whatever browser consented, which need not belong to the user the `state` was issued
// to. So the callback only holds the account as a pending connection and hands the browser a
// single-use connect code for the app; POST /v1/connections/{vendor}/complete attaches it.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { users } from "../../db/schema";
import { accountHeldByAnother, exchangeCode, oauthRedirectUri, vendorAccountId } from "../connections/connect";
import { consumeOAuthState } from "../connections/oauth-state";
import { holdPendingConnection } from "../connections/pending";
import type { AppEnv } from "../lib/context";
import { ApiError, errorResponse } from "../lib/errors";
import { describeError } from "../lib/logger";
import { VendorError } from "../vendors/http";
import { isVendor } from "../vendors/registry";
import type { Vendor } from "../vendors/types";
import { vendorParam } from "./connections";

const callbackQuery = z.object({
  code: z.string().min(1).max(2048).optional(),
  state: z.string().min(1).max(512).optional(),
  error: z.string().max(256).optional(),
});

const callbackRoute = createRoute({
  method: "get",
  path: "/oauth/{vendor}/callback",
  summary: "The vendor's redirect after consent: exchanges the code and holds the account as a pending connection",
  description:
    "Attaches nothing by itself. The tokens are held encrypted, for no user yet, and the browser goes back to the app " +
    "with a single-use `connect_code` (10 minutes); the app of the user who started the flow finishes it with " +
    "`POST /v1/connections/{vendor}/complete`.",
  request: { params: vendorParam, query: callbackQuery },
  responses: {
    302: {
      description:
        "Back to APP_REDIRECT_URL with `vendor`, `status=pending` and `connect_code`, or `status=error&reason=` one of " +
        "invalid_request, invalid_state, access_denied, vendor_error, token_exchange_failed, vendor_unavailable, " +
        "account_in_use, server_error",
      headers: z.object({ location: z.string() }),
    },
    400: errorResponse("unknown vendor"),
  },
});

type CallbackOutcome = { status: "pending"; connectCode: string } | { status: "error"; reason: string };
const failed = (reason: string): CallbackOutcome => ({ status: "error", reason });

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/** 302 back to the app. The callback URL held a code and a state: keep it out of caches and referrers. */
function backToApp(c: Context<AppEnv>, vendor: Vendor, outcome: CallbackOutcome): Response {
  c.header("cache-control", "no-store");
  c.header("referrer-policy", "no-referrer");
  const target = parseUrl(c.get("config").APP_REDIRECT_URL);
  if (!target) {
    // Without a usable app URL there is nowhere to send the browser: answer here instead.
    if (outcome.status === "pending") return c.json({ vendor, status: "pending", connect_code: outcome.connectCode }, 200);
    throw new ApiError("BAD_REQUEST", `connection failed: ${outcome.reason}`);
  }
  target.searchParams.set("vendor", vendor);
  target.searchParams.set("status", outcome.status);
  if (outcome.status === "error") target.searchParams.set("reason", outcome.reason);
  else target.searchParams.set("connect_code", outcome.connectCode);
  return c.redirect(target.toString(), 302);
}

async function holdConsentedAccount(c: Context<AppEnv>, vendor: Vendor, query: z.infer<typeof callbackQuery>): Promise<CallbackOutcome> {
  const { db } = c.get("database")();
  const config = c.get("config");
  const startedBy = query.state ? await consumeOAuthState(db, query.state, vendor) : null;
  if (!startedBy) return failed("invalid_state");
  if (query.error) return failed(query.error === "access_denied" ? "access_denied" : "vendor_error");
  if (!query.code) return failed("invalid_request");
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.id, startedBy));
  if (!user) return failed("invalid_state");
  try {
    const tokens = await exchangeCode(config, vendor, query.code, oauthRedirectUri(config, c.req.url, vendor));
    const vendorUserId = await vendorAccountId(config, vendor, tokens.access_token);
    // Refused here, before anything is held: revoking a pending WHOOP grant would end the owner's access too.
    if (await accountHeldByAnother(db, vendor, vendorUserId, startedBy)) return failed("account_in_use");
    const connectCode = await holdPendingConnection(db, config, { startedBy, vendor, vendorUserId, tokens });
    c.get("log").info("oauth_consent_held", { vendor });
    return { status: "pending", connectCode };
  } catch (error) {
    if (!(error instanceof VendorError)) throw error;
    c.get("log").warn("oauth_connect_failed", { vendor, kind: error.kind, status: error.status, ...describeError(error) });
    return failed(error.kind === "retryable" ? "vendor_unavailable" : "token_exchange_failed");
  }
}

export function registerOAuthCallbackRoute(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    callbackRoute,
    async (c) => {
      const { vendor } = c.req.valid("param");
      let outcome: CallbackOutcome;
      try {
        outcome = await holdConsentedAccount(c, vendor, c.req.valid("query"));
      } catch (error) {
        c.get("log").error("oauth_callback_error", { vendor, ...describeError(error) });
        outcome = failed("server_error");
      }
      return backToApp(c, vendor, outcome);
    },
    // A malformed query still sends the browser back to the app, with a reason it can show.
    (result, c) => {
      const vendor = c.req.param("vendor");
      if (!result.success && result.target === "query" && isVendor(vendor)) {
        return backToApp(c as unknown as Context<AppEnv>, vendor, failed("invalid_request")) as never;
      }
      return app.defaultHook?.(result, c);
    },
  );
}
