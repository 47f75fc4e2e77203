// Single-use secrets handed to a browser or an app (OAuth `state`, connect codes): 256 random bits,
// URL-safe, and stored only as their SHA-256 so that a database leak cannot spend them.
import { base64url } from "jose";
import { bytesToHex, sha256 } from "./encoding";

export async function sha256Hex(text: string): Promise<string> {
  return bytesToHex(await sha256(text));
}

/** 32 random bytes, base64url without padding (43 characters). */
export function randomCode(): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
}
