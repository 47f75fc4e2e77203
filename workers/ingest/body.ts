// Reads a request body up to a byte limit. The limit is enforced on the bytes actually received:
// Content-Length only lets an honest oversized request be refused before it is read.
import { ApiError } from "../lib/errors";

export const WEBHOOK_BODY_LIMIT_BYTES = 64 * 1024;

function tooLarge(limit: number): ApiError {
  return new ApiError("PAYLOAD_TOO_LARGE", `body exceeds ${limit} bytes`);
}

export async function readBodyWithin(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  // Not fatal on bad UTF-8: a body that is not what the vendor signed then fails the signature (401).
  return new TextDecoder().decode(bytes);
}
