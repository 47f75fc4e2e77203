// Vendor connections as the hub holds them, made for benchmark users: tokens obtained through the
// simulator's own OAuth flow (consent, code, token exchange), sealed the way the hub stores them
// and written as the user's `connections` row.
import { randomUUID } from "node:crypto";
import type { Pool } from "@neondatabase/serverless";
import { z } from "zod";
import type { Stack } from "../../scripts/lib/stack";
import { parseKeyRing, type KeyRing } from "../../workers/lib/token-crypto";

const REDIRECT_URI = "http://127.0.0.1/oauth/callback";

const tokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().int().positive().optional(),
  scope: z.string().default(""),
});
type TokenResponse = z.infer<typeof tokenResponse>;

type SealTokens = (
  ring: KeyRing,
  connectionId: string,
  tokens: TokenResponse,
) => Promise<{ accessTokenEnc: string; refreshTokenEnc: string | null; tokenExpiresAt: string | null }>;

// The hub's own sealing (workers/connections/tokens.ts). Its module reaches the Worker's environment
// types, which only the workerd typecheck can load, so it is imported at run time under this signature.
const TOKENS_MODULE = "../../workers/connections/tokens";
let sealTokens: Promise<SealTokens> | undefined;
function loadSealTokens(): Promise<SealTokens> {
  sealTokens ??= import(TOKENS_MODULE).then((module: { sealTokens: SealTokens }) => module.sealTokens);
  return sealTokens;
}

export type Vendor = "oura" | "whoop";

/** The simulator's authorization-code flow for `account`, as the hub's callback would run it. */
async function grantTokens(stack: Stack, vendor: Vendor, account: string): Promise<TokenResponse> {
  const prefix = vendor.toUpperCase() as "OURA" | "WHOOP";
  const { [`${prefix}_CLIENT_ID`]: clientId, [`${prefix}_CLIENT_SECRET`]: clientSecret } = stack.vars;
  const authorize = new URL(stack.vars[`${prefix}_AUTHORIZE_URL`]!);
  authorize.search = new URLSearchParams({
    client_id: clientId!,
    redirect_uri: REDIRECT_URI,
    response_type: "code",
    state: randomUUID(),
    user: account,
    // Oura ignores scopes it does not know; WHOOP hands out a refresh token only with `offline`.
    ...(vendor === "whoop" ? { scope: "offline read:recovery read:cycles read:sleep read:profile" } : {}),
  }).toString();
  const consent = await fetch(authorize, { redirect: "manual" });
  const code = new URL(consent.headers.get("location") ?? "http://invalid/").searchParams.get("code");
  if (!code) throw new Error(`${vendor} simulator refused the authorization (${consent.status})`);
  const exchange = await fetch(stack.vars[`${prefix}_TOKEN_URL`]!, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, client_id: clientId!, client_secret: clientSecret! }),
  });
  if (!exchange.ok) throw new Error(`${vendor} simulator token exchange failed (${exchange.status})`);
  return tokenResponse.parse(await exchange.json());
}

/** Connects the hub user `userId` to the simulator account `account` (which must exist). */
export async function connectVendor(stack: Stack, pool: Pool, userId: string, vendor: Vendor, account: string): Promise<void> {
  const tokens = await grantTokens(stack, vendor, account);
  const connectionId = randomUUID();
  const sealed = await (await loadSealTokens())(parseKeyRing(stack.vars.TOKEN_ENCRYPTION_KEYS!), connectionId, tokens);
  await pool.query(
    `INSERT INTO connections (id, user_id, vendor, vendor_user_id, access_token_enc, refresh_token_enc, token_expires_at, scopes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [connectionId, userId, vendor, account, sealed.accessTokenEnc, sealed.refreshTokenEnc, sealed.tokenExpiresAt, tokens.scope],
  );
}
