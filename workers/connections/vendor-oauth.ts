// A vendor's OAuth settings (from its adapter, workers/vendors/registry.ts) and the token endpoint calls.
import { z } from "zod";
import type { Config } from "../env";
import { classifyStatus, VendorError } from "../vendors/http";
import { vendorAdapter } from "../vendors/registry";
import type { Vendor, VendorOAuthApp } from "../vendors/types";

export interface VendorOAuth extends VendorOAuthApp {
  vendor: Vendor;
  apiBase: string;
  scopes: string;
}

export function vendorOAuth(config: Config, vendor: Vendor): VendorOAuth {
  const adapter = vendorAdapter(vendor);
  return { vendor, ...adapter.oauth.app(config), apiBase: adapter.apiBase(config), scopes: adapter.oauth.scopes };
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
