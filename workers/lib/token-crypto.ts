// Vendor tokens at rest: AES-256-GCM (WebCrypto) under a key id, stored as "kid:iv:ciphertext"
// (base64url parts). TOKEN_ENCRYPTION_KEYS lists "kid:base64key" entries, newest first: new writes use
// the newest key, reads use whichever key id the value names, so keys rotate without downtime.
import { base64url } from "jose";

const keyCache = new Map<string, CryptoKey>();

export interface KeyRing {
  current: string;
  keys: Map<string, string>;
}

export function parseKeyRing(spec: string): KeyRing {
  const keys = new Map<string, string>();
  for (const entry of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const separator = entry.indexOf(":");
    const kid = entry.slice(0, separator);
    const material = entry.slice(separator + 1);
    if (separator < 1 || !/^[\w-]{1,32}$/.test(kid)) throw new Error("TOKEN_ENCRYPTION_KEYS: each entry must be kid:base64key");
    if (base64ToBytes(material).length !== 32) throw new Error(`TOKEN_ENCRYPTION_KEYS: key ${kid} must be 32 bytes`);
    keys.set(kid, material);
  }
  const current = keys.keys().next().value;
  if (!current) throw new Error("TOKEN_ENCRYPTION_KEYS is empty");
  return { current, keys };
}

async function importKey(kid: string, material: string): Promise<CryptoKey> {
  const cacheKey = `${kid}:${material}`;
  let key = keyCache.get(cacheKey);
  if (!key) {
    key = await crypto.subtle.importKey("raw", base64ToBytes(material), "AES-GCM", false, ["encrypt", "decrypt"]);
    keyCache.set(cacheKey, key);
  }
  return key;
}

/** `aad` binds the ciphertext to its row (e.g. the connection id), so values cannot be swapped between rows. */
export async function encryptToken(ring: KeyRing, plaintext: string, aad: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await importKey(ring.current, ring.keys.get(ring.current)!);
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(aad) },
    key,
    new TextEncoder().encode(plaintext),
  );
  return `${ring.current}:${base64url.encode(iv)}:${base64url.encode(new Uint8Array(sealed))}`;
}

export async function decryptToken(ring: KeyRing, stored: string, aad: string): Promise<string> {
  const [kid, iv, data] = stored.split(":");
  const material = kid ? ring.keys.get(kid) : undefined;
  if (!material || !iv || !data) throw new Error("token ciphertext uses an unknown key id or is malformed");
  const key = await importKey(kid!, material);
  const opened = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64Url(iv), additionalData: new TextEncoder().encode(aad) },
    key,
    fromBase64Url(data),
  );
  return new TextDecoder().decode(opened);
}

/** The key id a stored value was sealed with (for rotation: rows not under `ring.current` need re-encryption). */
export function keyIdOf(stored: string): string {
  return stored.slice(0, stored.indexOf(":"));
}

/** jose decodes into a fresh ArrayBuffer, though its type only promises ArrayBufferLike. */
const fromBase64Url = (text: string) => base64url.decode(text) as Uint8Array<ArrayBuffer>;

/**
 * Key material is plain base64 as operators generate it (`openssl rand -base64 32`); either alphabet
 * is accepted. jose's decoder is strict base64url, so keys are read here; ciphertext parts use jose.
 */
function base64ToBytes(value: string): Uint8Array<ArrayBuffer> {
  const binary = atob(value.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
