// OAuth 2.0 authorization-code grant as the vendors run it: single-use codes, rotating refresh tokens.
import { randomBytes } from "node:crypto";
import { basicCredentials, readForm, redirect, sendJson, type RouteHandler } from "./http";

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface TokenResponse {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  refresh_token?: string;
  scope: string;
}

interface Grant<UserId> {
  id: number;
  userId: UserId;
  scope: string;
}

export interface OAuthGrantsOptions {
  accessTokenTtlSeconds: number;
  /** Tells the two vendors' tokens apart when a test prints one. */
  tokenPrefix: string;
  /** WHOOP hands out a refresh token only for the `offline` scope; Oura always does. */
  grantsRefreshToken: (scope: string) => boolean;
  /**
   * WHOOP's refresh example sends `scope=offline` with the refresh grant; without it the simulator
   * answers with an access token only, so a client that leaves it out loses its refresh token.
   */
  refreshRequiresScope?: string;
}

const CODE_TTL_MS = 10 * 60 * 1000;

export class OAuthGrants<UserId> {
  /** Access tokens revoked through the vendor's revoke endpoint, oldest first. */
  readonly revokedTokens: string[] = [];
  readonly #options: OAuthGrantsOptions;
  readonly #codes = new Map<string, { grant: Grant<UserId>; redirectUri: string; expiresAtMs: number }>();
  readonly #accessTokens = new Map<string, { grant: Grant<UserId>; expiresAtMs: number }>();
  readonly #refreshTokens = new Map<string, Grant<UserId>>();
  #nextGrantId = 1;

  constructor(options: OAuthGrantsOptions) {
    this.#options = options;
  }

  issueCode(userId: UserId, scope: string, redirectUri: string): string {
    const code = this.#randomToken("code");
    const grant = { id: this.#nextGrantId++, userId, scope };
    this.#codes.set(code, { grant, redirectUri, expiresAtMs: Date.now() + CODE_TTL_MS });
    return code;
  }

  redeemCode(code: string, redirectUri: string | null): TokenResponse | undefined {
    const issued = this.#codes.get(code);
    this.#codes.delete(code);
    if (!issued || issued.expiresAtMs < Date.now()) return undefined;
    if (redirectUri !== null && redirectUri !== issued.redirectUri) return undefined;
    return this.#issueTokens(issued.grant);
  }

  /** The presented refresh token is spent: a second use is refused, as with rotating tokens in production. */
  refresh(refreshToken: string, requestedScope: string | null = null): TokenResponse | undefined {
    const grant = this.#refreshTokens.get(refreshToken);
    if (!grant) return undefined;
    this.#refreshTokens.delete(refreshToken);
    const required = this.#options.refreshRequiresScope;
    const withRefresh = required === undefined || (requestedScope ?? "").split(/\s+/).includes(required);
    return this.#issueTokens(grant, withRefresh);
  }

  userFor(accessToken: string): UserId | undefined {
    const issued = this.#accessTokens.get(accessToken);
    if (!issued || issued.expiresAtMs <= Date.now()) return undefined;
    return issued.grant.userId;
  }

  /** Ends the whole grant the token belongs to: its access and refresh tokens stop working. */
  revoke(accessToken: string): boolean {
    const issued = this.#accessTokens.get(accessToken);
    if (!issued) return false;
    this.revokedTokens.push(accessToken);
    for (const [token, { grant }] of this.#accessTokens) {
      if (grant.id === issued.grant.id) this.#accessTokens.delete(token);
    }
    for (const [token, grant] of this.#refreshTokens) {
      if (grant.id === issued.grant.id) this.#refreshTokens.delete(token);
    }
    return true;
  }

  /** Makes every issued access token expired, so the next API call needs a refresh. */
  /** Expires the access tokens of one account, or of every account when none is named. */
  expireAccessTokens(userId?: UserId): void {
    for (const issued of this.#accessTokens.values()) {
      if (userId === undefined || String(issued.grant.userId) === String(userId)) issued.expiresAtMs = 0;
    }
  }

  #issueTokens(grant: Grant<UserId>, withRefresh = true): TokenResponse {
    const accessToken = this.#randomToken("at");
    const ttl = this.#options.accessTokenTtlSeconds;
    this.#accessTokens.set(accessToken, { grant, expiresAtMs: Date.now() + ttl * 1000 });
    const response: TokenResponse = {
      access_token: accessToken,
      token_type: "bearer",
      expires_in: ttl,
      scope: grant.scope,
    };
    if (withRefresh && this.#options.grantsRefreshToken(grant.scope)) {
      const refreshToken = this.#randomToken("rt");
      this.#refreshTokens.set(refreshToken, grant);
      response.refresh_token = refreshToken;
    }
    return response;
  }

  #randomToken(kind: string): string {
    return `${this.#options.tokenPrefix}_${kind}_${randomBytes(24).toString("base64url")}`;
  }
}

export interface AuthorizeOptions<UserId> {
  client: OAuthClient;
  grants: OAuthGrants<UserId>;
  defaultScope: string;
  /** `requested` is the `user` query parameter; undefined means "no such account". */
  resolveUser: (requested: string | null) => UserId | undefined;
  /** WHOOP refuses a `state` shorter than 8 characters. */
  minStateLength?: number;
}

/**
 * Consent happens instantly: the answer is the 302 back to `redirect_uri` that the vendor would send
 * once the user clicked "allow". Test-only query parameters: `user` picks the simulated account,
 * `deny=1` answers as if the user declined.
 */
export function authorizeHandler<UserId>(options: AuthorizeOptions<UserId>): RouteHandler {
  return ({ res, url }) => {
    const query = url.searchParams;
    if (query.get("client_id") !== options.client.clientId) {
      return sendJson(res, 400, { error: "invalid_client", error_description: "unknown client_id" });
    }
    const redirectUri = query.get("redirect_uri");
    if (!redirectUri || !URL.canParse(redirectUri)) {
      return sendJson(res, 400, { error: "invalid_request", error_description: "redirect_uri is required" });
    }
    const state = query.get("state");
    const back = (params: Record<string, string>) => {
      const target = new URL(redirectUri);
      for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
      if (state !== null) target.searchParams.set("state", state);
      redirect(res, target.toString());
    };
    if (query.get("response_type") !== "code") return back({ error: "unsupported_response_type" });
    if ((state ?? "").length < (options.minStateLength ?? 0)) {
      return back({ error: "invalid_state", error_description: "state is too short" });
    }
    if (query.get("deny") === "1") return back({ error: "access_denied", error_description: "user declined" });
    const userId = options.resolveUser(query.get("user"));
    if (userId === undefined) return back({ error: "access_denied", error_description: "unknown account" });
    const scope = query.get("scope") ?? options.defaultScope;
    back({ code: options.grants.issueCode(userId, scope, redirectUri), scope });
  };
}

export function tokenHandler<UserId>(client: OAuthClient, grants: OAuthGrants<UserId>): RouteHandler {
  return async ({ req, res }) => {
    const form = await readForm(req);
    const basic = basicCredentials(req);
    const clientId = basic?.id ?? form.get("client_id");
    const clientSecret = basic?.secret ?? form.get("client_secret");
    if (clientId !== client.clientId || clientSecret !== client.clientSecret) {
      return sendJson(res, 401, { error: "invalid_client" });
    }
    const grantType = form.get("grant_type");
    let tokens: TokenResponse | undefined;
    if (grantType === "authorization_code") {
      tokens = grants.redeemCode(form.get("code") ?? "", form.get("redirect_uri"));
    } else if (grantType === "refresh_token") {
      tokens = grants.refresh(form.get("refresh_token") ?? "", form.get("scope"));
    } else {
      return sendJson(res, 400, { error: "unsupported_grant_type" });
    }
    if (!tokens) return sendJson(res, 400, { error: "invalid_grant" });
    sendJson(res, 200, tokens, { "cache-control": "no-store" });
  };
}
