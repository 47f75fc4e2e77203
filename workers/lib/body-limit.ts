// Request body caps, checked before a body is read or parsed: the Content-Length when declared (workerd
// holds a request body to its Content-Length, so the declared size is the size received), else
// counted while streaming. A route without a cap would parse megabytes only to refuse them.
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "./errors";

/** Vendor webhooks (CONTRACT §2); vendors send a few hundred bytes. */
export const WEBHOOK_BODY_MAX_BYTES = 64 * 1024;

/** Small JSON documents (a profile change, a connect code). */
export const SMALL_BODY_MAX_BYTES = 4 * 1024;

/** Middleware answering 413 PAYLOAD_TOO_LARGE for a body over `maxBytes`. */
export function limitBody(maxBytes: number) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError("PAYLOAD_TOO_LARGE", `request body over ${maxBytes} bytes`);
    },
  });
}
