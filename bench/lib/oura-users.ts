// Connected Oura users for the ingest benchmark: an account in the Oura simulator holding sleep
// documents, tokens obtained through the simulator's own OAuth flow, and the hub's user and
// connection rows with those tokens sealed the way the hub stores them.
import { randomUUID } from "node:crypto";
import type { Pool } from "@neondatabase/serverless";
import { z } from "zod";
import type { Stack } from "../../scripts/lib/stack";
import { generateOuraHistory, type OuraSleepDocument } from "../../scripts/sim/generate";
import { parseKeyRing, type KeyRing } from "../../workers/lib/token-crypto";

export interface ConnectedOuraUser {
  userId: string;
  vendorUserId: string;
  /** The user's main nights (`long_sleep`), one per date: each one becomes a sleep_daily row. */
  nights: OuraSleepDocument[];
}

const REDIRECT_URI = "http://127.0.0.1/oauth/oura/callback";

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
async function loadSealTokens(): Promise<SealTokens> {
  return ((await import(TOKENS_MODULE)) as { sealTokens: SealTokens }).sealTokens;
}

/** The simulator's authorization-code flow, as the hub's callback would run it. */
async function ouraTokens(stack: Stack, vendorUserId: string): Promise<TokenResponse> {
  const { OURA_CLIENT_ID: clientId, OURA_CLIENT_SECRET: clientSecret } = stack.vars;
  const authorize = new URL(`${stack.sims.oura.url}/oauth/authorize`);
  authorize.search = new URLSearchParams({
    client_id: clientId!,
    redirect_uri: REDIRECT_URI,
    response_type: "code",
    state: randomUUID(),
    user: vendorUserId,
  }).toString();
  const consent = await fetch(authorize, { redirect: "manual" });
  const code = new URL(consent.headers.get("location") ?? "http://invalid/").searchParams.get("code");
  if (!code) throw new Error(`Oura simulator refused the authorization (${consent.status})`);
  const exchange = await fetch(`${stack.sims.oura.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, client_id: clientId!, client_secret: clientSecret! }),
  });
  if (!exchange.ok) throw new Error(`Oura simulator token exchange failed (${exchange.status})`);
  return tokenResponse.parse(await exchange.json());
}

export async function connectOuraUser(
  stack: Stack,
  pool: Pool,
  opts: { label: string; nights: number; endDate: string },
): Promise<ConnectedOuraUser> {
  const vendorUserId = `bench-${opts.label}-${randomUUID().slice(0, 8)}`;
  stack.sims.oura.addUser(vendorUserId);
  const nights = generateOuraHistory({ vendorUserId, days: opts.nights, endDate: opts.endDate, seed: vendorUserId }).filter(
    (document) => document.type === "long_sleep",
  );
  for (const document of nights) stack.sims.oura.putSleep(vendorUserId, document);

  const tokens = await ouraTokens(stack, vendorUserId);
  const user = await pool.query<{ id: string }>("INSERT INTO users (subject) VALUES ($1) RETURNING id", [`bench|${vendorUserId}`]);
  const userId = user.rows[0]!.id;
  const connectionId = randomUUID();
  const sealTokens = await loadSealTokens();
  const sealed = await sealTokens(parseKeyRing(stack.vars.TOKEN_ENCRYPTION_KEYS!), connectionId, tokens);
  await pool.query(
    `INSERT INTO connections (id, user_id, vendor, vendor_user_id, access_token_enc, refresh_token_enc, token_expires_at, scopes)
     VALUES ($1, $2, 'oura', $3, $4, $5, $6, $7)`,
    [connectionId, userId, vendorUserId, sealed.accessTokenEnc, sealed.refreshTokenEnc, sealed.tokenExpiresAt, tokens.scope],
  );
  return { userId, vendorUserId, nights };
}
