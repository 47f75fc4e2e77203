// HMAC-SHA256 webhook signatures over "timestamp + raw body", shared by the Oura and WHOOP adapters.
import { bytesToHex, hexToBytes, timingSafeEqual } from "../lib/encoding";
import type { SignatureCheck, WebhookSignatureInput } from "./types";

const encoder = new TextEncoder();

export type SignatureEncoding = "hex" | "base64";

export async function hmacSha256(secret: string, message: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
}

export function encodeSignature(bytes: Uint8Array, encoding: SignatureEncoding): string {
  if (encoding === "hex") return bytesToHex(bytes);
  return btoa(String.fromCharCode(...bytes));
}

function decodeSignature(text: string, encoding: SignatureEncoding): Uint8Array | null {
  const trimmed = text.trim();
  if (encoding === "hex") {
    // Decoding to bytes makes the comparison case-insensitive without a second string pass.
    return trimmed === "" ? null : hexToBytes(trimmed);
  }
  try {
    return Uint8Array.from(atob(trimmed), (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

interface HmacWebhookRules {
  encoding: SignatureEncoding;
  /** Reads the timestamp header as epoch milliseconds, or null when it is not a timestamp. */
  timestampToMs: (header: string) => number | null;
}

export async function verifyHmacWebhook(
  input: WebhookSignatureInput,
  rules: HmacWebhookRules,
): Promise<SignatureCheck> {
  const { timestampHeader, signatureHeader } = input;
  if (!timestampHeader || !signatureHeader) return { ok: false, reason: "missing_header" };
  const sentAtMs = rules.timestampToMs(timestampHeader.trim());
  if (sentAtMs === null) return { ok: false, reason: "bad_timestamp" };
  if (Math.abs(input.nowMs - sentAtMs) > input.toleranceMs) return { ok: false, reason: "stale_timestamp" };
  const received = decodeSignature(signatureHeader, rules.encoding);
  if (received === null) return { ok: false, reason: "bad_signature" };
  // The header is signed exactly as sent, so a reformatted timestamp would not verify.
  const expected = await hmacSha256(input.secret, timestampHeader + input.rawBody);
  // A MAC's length is public: only the bytes need a constant-time comparison.
  return timingSafeEqual(received, expected) ? { ok: true } : { ok: false, reason: "bad_signature" };
}

export function parseEpochNumber(header: string): number | null {
  if (!/^\d{1,16}(?:\.\d+)?$/.test(header)) return null;
  const value = Number(header);
  return Number.isFinite(value) ? value : null;
}
