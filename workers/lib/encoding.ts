// Byte helpers shared by every module that hashes, signs or compares: hex here, base64url from jose
// (`import { base64url } from "jose"`), constant-time comparison from the runtime.

// A table lookup per byte, not a string format: every request without a caller's trace makes ids.
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

export function bytesToHex(bytes: Uint8Array): string {
  let hex = "";
  for (const b of bytes) hex += HEX[b];
  return hex;
}

/** Either case; null when the text is not whole bytes of hex. */
export function hexToBytes(text: string): Uint8Array | null {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) return null;
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

// workerd extends WebCrypto with timingSafeEqual (Cloudflare's documented way to compare secrets);
// Node's WebCrypto has no such method, so code that compares runs in workerd only (tests included).
type WorkerdSubtle = SubtleCrypto & { timingSafeEqual(a: ArrayBufferView, b: ArrayBufferView): boolean };

/**
 * Whether two byte strings are equal, in time that does not depend on where they differ. Lengths are
 * compared first (workerd throws on a mismatch): callers compare values of a public length (digests,
 * MACs), or digests of the secret when its length is private.
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return (crypto.subtle as WorkerdSubtle).timingSafeEqual(a, b);
}

export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}
