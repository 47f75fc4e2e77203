// Single-use secrets handed to a browser or an app (OAuth `state`, connect codes): 256 random bits,
// URL-safe, and stored only as their SHA-256 so that a database leak cannot spend them.

export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** 32 random bytes, base64url without padding (43 characters). */
export function randomCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
