// How vendor failures steer the queue:
// - retryable (429, 5xx, network): retry later, after the vendor's Retry-After when it gave one;
// - auth (401/403: revoked, or a scope unticked): withAccessToken marks the connection
//   needs_reconsent and the message is dead-lettered with that reason. Dead-lettering (rather than
//   a silent ack) keeps the event counted and replayable once the user has reconnected;
// - membership_lapsed (Oura 403 on data): withAccessToken marks the connection membership_lapsed and
//   the message is acked with nothing applied: it could only fail until the membership is renewed,
//   and the reconciliation, which keeps probing lapsed connections, pulls the missed days then;
// - permanent (other 4xx, a document that fails its schema): dead-lettered with the reason.
// (not_found never gets here: the vendor modules treat it as a deletion.)
import { VendorError } from "../vendors/http";
import { PermanentError, RetryableError } from "../queues/consume";

export async function runAgainstVendor<T>(work: () => Promise<T>, whenMembershipLapsed: () => T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof VendorError)) throw error;
    if (error.kind === "membership_lapsed") return whenMembershipLapsed();
    if (error.kind === "retryable") throw new RetryableError(error.message, error.retryAfterSeconds ?? undefined);
    if (error.kind === "auth") throw new PermanentError(`connection needs reconsent: ${error.message}`);
    throw new PermanentError(error.message);
  }
}
