// Vendor reads made before the per-account write lock (docs/adr/0006, addendum on vendor reads before the write lock). A
// vendor call takes 100–300 ms; made under the lock it held a database session and one of the
// invocation's six connections all that time. The event's documents are read first, their answers
// kept here, and the write under the lock replays them, unless another writer committed for the
// account in between: then the kept answers are dropped and the reads happen again under the lock,
// so the last writer is still the one that read last.
import type { FetchLike } from "../vendors/types";

interface Kept {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: ArrayBuffer;
}

export interface ReplayingFetch {
  fetch: FetchLike;
  /** Drops the kept answers: the next reads go to the vendor again. */
  forget(): void;
}

/** A fetch that keeps every GET's answer (by URL) and gives it again to later identical GETs. */
export function replayingFetch(fetchImpl: FetchLike): ReplayingFetch {
  let kept = new Map<string, Promise<Kept>>();
  const keep = async (input: string, init?: RequestInit): Promise<Kept> => {
    const response = await fetchImpl(input, init);
    return { status: response.status, statusText: response.statusText, headers: [...response.headers], body: await response.arrayBuffer() };
  };
  return {
    fetch: async (input, init) => {
      if ((init?.method ?? "GET").toUpperCase() !== "GET") return fetchImpl(input, init);
      let answer = kept.get(input);
      if (!answer) {
        answer = keep(input, init);
        kept.set(input, answer);
        // A failed read is not kept: the caller sees the failure, a later read asks again.
        answer.catch(() => kept.get(input) === answer && kept.delete(input));
      }
      const { status, statusText, headers, body } = await answer;
      return new Response(status === 204 || status === 304 ? null : body.slice(0), { status, statusText, headers });
    },
    forget: () => {
      kept = new Map();
    },
  };
}
