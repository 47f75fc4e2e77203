// Per-vendor OAuth settings drawn from the validated config, and the token endpoint calls.
import { z } from "zod";
import type { Config } from "../env";
import { classifyStatus, VendorError } from "../vendors/http";
import type { Vendor } from "../vendors/types";

export interface VendorOAuth {
  vendor: Vendor;
  clientId: string;
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
  apiBase: string;
  scopes: string;
}

export const VENDOR_SCOPES: Record<Vendor, string> = {
  oura: "personal daily heartrate session workout",
  whoop: "read:recovery read:cycles read:sleep read:workout read:profile offline",
};

export function vendorOAuth(config: Config, vendor: Vendor): VendorOAuth {
  return vendor === "oura"
    ? {
        vendor, clientId: config.OURA_CLIENT_ID, clientSecret: config.OURA_CLIENT_SECRET,
        authorizeUrl: config.OURA_AUTHORIZE_URL, tokenUrl: config.OURA_TOKEN_URL, apiBase: config.OURA_API_BASE,
        scopes: VENDOR_SCOPES.oura,
      }
    : {
        vendor, clientId: config.WHOOP_CLIENT_ID, clientSecret: config.WHOOP_CLIENT_SECRET,
        authorizeUrl: config.WHOOP_AUTHORIZE_URL, tokenUrl: config.WHOOP_TOKEN_URL, apiBase: config.WHOOP_API_BASE,
        scopes: VENDOR_SCOPES.whoop,
      };
}

export const tokenResponseSchema = z.object({
  access_token: z.string().min(1).max(4096),
  refresh_token: z.string().min(1).max(4096).optional(),
  expires_in: z.coerce.number().int().positive().max(60 * 60 * 24 * 365).optional(),
  token_type: z.string().optional(),
  scope: z.string().max(1024).optional(),
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

/** POSTs a grant to the vendor's token endpoint; errors never carry the grant or the response body. */
export async function requestToken(oauth: VendorOAuth, grant: Record<string, string>, fetchImpl: typeof fetch = fetch): Promise<TokenResponse> {
  let response: Response;
  try {
    response = await fetchImpl(oauth.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({ ...grant, client_id: oauth.clientId, client_secret: oauth.clientSecret }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    throw new VendorError("retryable", `${oauth.vendor} token endpoint: network error or timeout`, oauth.vendor);
  }
  if (!response.ok) {
    await response.body?.cancel();
    // An invalid or reused grant is a 400 (invalid_grant): the user has to consent again.
    if (response.status === 400) throw new VendorError("auth", `${oauth.vendor} token endpoint: grant refused`, oauth.vendor, 400);
    throw classifyStatus(oauth.vendor, "token endpoint", response, Date.now());
  }
  const parsed = tokenResponseSchema.safeParse(await response.json().catch(() => null));
  if (!parsed.success) throw new VendorError("permanent", `${oauth.vendor} token endpoint: invalid token response`, oauth.vendor, response.status);
  return parsed.data;
}
