// Identity-provider simulator: signs the mobile app's bearer JWTs (ES256 and RS256) and serves the
// public keys as a JWKS, an OpenID configuration and a Cloudflare Access certs document.
import { randomBytes } from "node:crypto";
import { listen, logRequests, readBody, Router, sendJson, type LoggedRequest } from "./http";
import { selfSignedRsaCertificate } from "./x509";

export type JwtAlgorithm = "ES256" | "RS256";

export interface IdpOptions {
  port?: number;
  /** Defaults to the simulator's own URL. */
  issuer?: string;
  audience: string;
}

export interface MintOptions {
  sub: string;
  aud?: string | string[];
  iss?: string;
  /** Lifetime from now; negative gives a token that has already expired. Default 3600. */
  expSeconds?: number;
  /** Not-before as epoch seconds. */
  nbf?: number;
  alg?: JwtAlgorithm;
  /** Put a different `kid` in the header (the signature still uses the current key of `alg`). */
  kid?: string;
  /** Further claims; they override the standard ones of the same name. */
  extra?: Record<string, unknown>;
}

export interface Idp {
  url: string;
  issuer: string;
  audience: string;
  jwksUrl: string;
  stop(): Promise<void>;
  mint(options: MintOptions): Promise<string>;
  /** Replaces both key pairs; the old keys disappear from every key document. */
  rotateKeys(): Promise<void>;
  /**
   * How the JWKS answers requests whose `probe` query parameter is `probe` (a test's own key set URL):
   * an HTTP error status instead of the keys, and/or a delay first. `null` restores normal answers.
   */
  setJwksBehaviour(probe: string, behaviour: JwksBehaviour | null): void;
  /** The current key ids. */
  readonly kids: Record<JwtAlgorithm, string>;
  readonly requests: LoggedRequest[];
}

export interface JwksBehaviour {
  status?: number;
  delayMs?: number;
}

type PublicJwk = JsonWebKey & { kid: string; alg: JwtAlgorithm; use: "sig" };

interface SigningKey {
  privateKey: CryptoKey;
  jwk: PublicJwk;
}

interface KeySet {
  ES256: SigningKey;
  RS256: SigningKey;
  /** PEM certificate of the RS256 key, for the Access certs document. */
  rsaCertificate: string;
}

const DEFAULT_LIFETIME_S = 3600;

export async function startIdp(options: IdpOptions): Promise<Idp> {
  let keys = await generateKeySet();
  let issuer = options.issuer ?? "";
  const requests: LoggedRequest[] = [];
  const jwksBehaviours = new Map<string, JwksBehaviour>();

  const mint = async (claims: MintOptions): Promise<string> => {
    const alg = claims.alg ?? "ES256";
    const key = keys[alg];
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = {
      iss: claims.iss ?? issuer,
      sub: claims.sub,
      aud: claims.aud ?? options.audience,
      iat: now,
      exp: now + (claims.expSeconds ?? DEFAULT_LIFETIME_S),
      ...(claims.nbf === undefined ? {} : { nbf: claims.nbf }),
      ...claims.extra,
    };
    const header = { alg, typ: "JWT", kid: claims.kid ?? key.jwk.kid };
    const signingInput = `${base64UrlJson(header)}.${base64UrlJson(payload)}`;
    const signature = await crypto.subtle.sign(
      alg === "ES256" ? { name: "ECDSA", hash: "SHA-256" } : "RSASSA-PKCS1-v1_5",
      key.privateKey,
      new TextEncoder().encode(signingInput),
    );
    // WebCrypto's ECDSA output is already the JOSE form (r || s, 64 bytes), not DER.
    return `${signingInput}.${Buffer.from(signature).toString("base64url")}`;
  };

  const router = new Router()
    .onRequest((ctx) => logRequests(requests, ctx))
    .on("GET", "/.well-known/jwks.json", async ({ res, url }) => {
      const behaviour = jwksBehaviours.get(url.searchParams.get("probe") ?? "");
      if (behaviour?.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
      if (behaviour?.status) return sendJson(res, behaviour.status, { error: "unavailable" });
      sendJson(res, 200, { keys: [keys.ES256.jwk, keys.RS256.jwk] });
    })
    .on("GET", "/.well-known/openid-configuration", ({ res }) => {
      sendJson(res, 200, {
        issuer,
        jwks_uri: `${server.url}/.well-known/jwks.json`,
        token_endpoint: `${server.url}/token`,
        id_token_signing_alg_values_supported: ["ES256", "RS256"],
        subject_types_supported: ["public"],
        response_types_supported: ["token"],
      });
    })
    // Access signs with RS256 only, so only the RSA key appears here.
    .on("GET", "/cdn-cgi/access/certs", ({ res }) => {
      const certificate = { kid: keys.RS256.jwk.kid, cert: keys.rsaCertificate };
      sendJson(res, 200, { keys: [keys.RS256.jwk], public_cert: certificate, public_certs: [certificate] });
    })
    .on("POST", "/token", async ({ req, res }) => {
      const request = parseTokenRequest(await readBody(req), req.headers["content-type"] ?? "");
      if (!request) return sendJson(res, 400, { error: "invalid_request", error_description: "sub is required" });
      const accessToken = await mint(request);
      sendJson(res, 200, { access_token: accessToken, token_type: "Bearer", expires_in: DEFAULT_LIFETIME_S });
    });

  const server = await listen(router, options.port);
  issuer = options.issuer ?? server.url;
  return {
    url: server.url,
    issuer,
    audience: options.audience,
    jwksUrl: `${server.url}/.well-known/jwks.json`,
    stop: server.stop,
    mint,
    async rotateKeys() {
      keys = await generateKeySet();
    },
    setJwksBehaviour(probe, behaviour) {
      if (behaviour) jwksBehaviours.set(probe, behaviour);
      else jwksBehaviours.delete(probe);
    },
    get kids() {
      return { ES256: keys.ES256.jwk.kid, RS256: keys.RS256.jwk.kid };
    },
    requests,
  };
}

async function generateKeySet(): Promise<KeySet> {
  const ecKeys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  const rsaKeys = await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: Uint8Array.of(1, 0, 1), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  );
  return {
    ES256: { privateKey: ecKeys.privateKey, jwk: await publicJwk(ecKeys.publicKey, "ES256") },
    RS256: { privateKey: rsaKeys.privateKey, jwk: await publicJwk(rsaKeys.publicKey, "RS256") },
    rsaCertificate: await selfSignedRsaCertificate(rsaKeys, "hub-sim-idp", new Date(), 365),
  };
}

async function publicJwk(publicKey: CryptoKey, alg: JwtAlgorithm): Promise<PublicJwk> {
  const { key_ops: _keyOps, ext: _ext, ...jwk } = await crypto.subtle.exportKey("jwk", publicKey);
  return { ...jwk, kid: `${alg.toLowerCase()}-${randomBytes(8).toString("hex")}`, alg, use: "sig" };
}

function parseTokenRequest(body: string, contentType: string): MintOptions | undefined {
  let fields: unknown;
  try {
    fields = contentType.includes("application/json")
      ? JSON.parse(body)
      : Object.fromEntries(new URLSearchParams(body));
  } catch {
    return undefined;
  }
  if (typeof fields !== "object" || fields === null) return undefined;
  const { sub, alg } = fields as Record<string, unknown>;
  if (typeof sub !== "string" || sub === "") return undefined;
  return { sub, alg: alg === "RS256" ? "RS256" : "ES256" };
}

function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
