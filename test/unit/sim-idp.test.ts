import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIdp, type Idp } from "../../scripts/sim/idp";

let idp: Idp;

beforeAll(async () => {
  idp = await startIdp({ port: 0, audience: "hub-test" });
});

afterAll(async () => {
  await idp.stop();
});

type Jwk = JsonWebKey & { kid: string; alg: string; use: string };

async function fetchKeys(path = "/.well-known/jwks.json"): Promise<Jwk[]> {
  const response = await fetch(`${idp.url}${path}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { keys: Jwk[] }).keys;
}

function decodePart(part: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(part ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

/** Verifies a compact JWT the way a relying party would: pick the key by kid, check the signature. */
async function verify(jwt: string, keys: Jwk[]): Promise<Record<string, unknown> | null> {
  const [header, payload, signature] = jwt.split(".");
  const { kid, alg } = decodePart(header);
  const jwk = keys.find((key) => key.kid === kid);
  if (!jwk || jwk.alg !== alg) return null;
  const algorithm = alg === "ES256" ? { name: "ECDSA", namedCurve: "P-256" } : { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  const key = await crypto.subtle.importKey("jwk", jwk, algorithm, false, ["verify"]);
  const valid = await crypto.subtle.verify(
    alg === "ES256" ? { name: "ECDSA", hash: "SHA-256" } : "RSASSA-PKCS1-v1_5",
    key,
    Buffer.from(signature ?? "", "base64url"),
    new TextEncoder().encode(`${header}.${payload}`),
  );
  return valid ? decodePart(payload) : null;
}

describe("identity provider simulator", () => {
  it.each(["ES256", "RS256"] as const)("mints %s tokens that verify against the served JWKS", async (alg) => {
    const jwt = await idp.mint({ sub: "user-42", alg, extra: { email: "u@example.test" } });
    const claims = await verify(jwt, await fetchKeys());
    expect(claims).toMatchObject({ sub: "user-42", aud: "hub-test", iss: idp.issuer, email: "u@example.test" });
    const now = Date.now() / 1000;
    expect(Number(claims?.exp)).toBeGreaterThan(now);
    expect(Number(claims?.iat)).toBeLessThanOrEqual(now + 1);
    expect(decodePart(jwt.split(".")[0])).toMatchObject({ alg, typ: "JWT", kid: idp.kids[alg] });
  });

  it("produces JOSE r||s ECDSA signatures of 64 bytes", async () => {
    const jwt = await idp.mint({ sub: "u" });
    expect(Buffer.from(jwt.split(".")[2] ?? "", "base64url")).toHaveLength(64);
  });

  it("honours expiry, not-before, audience, issuer and kid overrides", async () => {
    const jwt = await idp.mint({ sub: "u", expSeconds: -60, nbf: 2_000_000_000, aud: ["a1", "a2"], iss: "https://elsewhere" });
    const claims = decodePart(jwt.split(".")[1]);
    expect(Number(claims.exp)).toBeLessThan(Date.now() / 1000);
    expect(claims).toMatchObject({ nbf: 2_000_000_000, aud: ["a1", "a2"], iss: "https://elsewhere" });
    const unknownKid = await idp.mint({ sub: "u", kid: "not-a-served-key" });
    expect(await verify(unknownKid, await fetchKeys())).toBeNull();
  });

  it("publishes an OpenID configuration that points at the JWKS", async () => {
    const config = (await (await fetch(`${idp.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(config).toMatchObject({ issuer: idp.issuer, jwks_uri: idp.jwksUrl });
  });

  it("serves Cloudflare Access certs whose RSA key and PEM certificate verify Access-style tokens", async () => {
    const response = await fetch(`${idp.url}/cdn-cgi/access/certs`);
    type Certificate = { kid: string; cert: string };
    const certs = (await response.json()) as { keys: Jwk[]; public_cert: Certificate; public_certs: Certificate[] };
    expect(certs.keys.map((key) => key.alg)).toEqual(["RS256"]);
    expect(certs.public_cert.kid).toBe(idp.kids.RS256);
    expect(certs.public_certs).toEqual([certs.public_cert]);

    const certificate = new X509Certificate(certs.public_cert.cert);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.publicKey.export({ format: "jwk" })).toMatchObject({ n: certs.keys[0]?.n, e: certs.keys[0]?.e });

    const accessToken = await idp.mint({
      sub: "user",
      alg: "RS256",
      aud: ["aud-tag"],
      extra: { email: "dev@example.test", type: "app" },
    });
    expect(await verify(accessToken, certs.keys)).toMatchObject({ aud: ["aud-tag"], email: "dev@example.test" });
  });

  it("rotateKeys changes both kids and drops the old keys, so old tokens no longer verify", async () => {
    const before = { ...idp.kids };
    const oldToken = await idp.mint({ sub: "u", alg: "RS256" });
    await idp.rotateKeys();
    expect(idp.kids.ES256).not.toBe(before.ES256);
    expect(idp.kids.RS256).not.toBe(before.RS256);
    const keys = await fetchKeys();
    expect(keys.map((key) => key.kid).sort()).toEqual([idp.kids.ES256, idp.kids.RS256].sort());
    expect(await verify(oldToken, keys)).toBeNull();
    expect(await verify(await idp.mint({ sub: "u", alg: "RS256" }), keys)).toMatchObject({ sub: "u" });
  });

  it("issues tokens over HTTP for curl-based local dev", async () => {
    const response = await fetch(`${idp.url}/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sub: "curl-user", alg: "RS256" }),
    });
    expect(response.status).toBe(200);
    const { access_token } = (await response.json()) as { access_token: string };
    expect(await verify(access_token, await fetchKeys())).toMatchObject({ sub: "curl-user", aud: "hub-test" });
    const missing = await fetch(`${idp.url}/token`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect(missing.status).toBe(400);
  });
});
