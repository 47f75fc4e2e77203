// Run-time fault and latency control for a link the hub talks over (local dev, tests, load and chaos
// runs only). The Postgres link is shared by the WebSocket proxy (the Neon driver's sessions) and the
// Neon HTTP stand-in (one-shot statements), so one call puts the database "far away" or takes it down
// for every path at once.
//
// Latency is per round trip: a proxy delays each direction by half of a sampled round trip, keeping
// the order of the bytes; the HTTP stand-in waits one sampled round trip per request (its own
// connections to Postgres, like Neon's proxy's to its compute, take the link's faults but not its
// distance: `withoutDistance`).

export interface LinkSettings {
  /** Added round-trip time, sampled uniformly from [min, max] ms per exchange. */
  latencyMs: [number, number];
  /** Refuse new connections (existing ones keep working). */
  refuse: boolean;
}

export interface LinkStats {
  /** Connections (or HTTP requests, for the stand-in) let through. */
  opened: number;
  /** Connections refused: `refuse` or an outage. */
  refused: number;
  /** Live connections closed by `dropLive` or an outage. */
  dropped: number;
  /** Epoch ms until which the link is down (0: up). */
  downUntil: number;
  latencyMs: [number, number];
  refuse: boolean;
}

const NO_LATENCY: [number, number] = [0, 0];

/** What a proxy asks of a link for each connection. */
export type ConnectionPolicy = Pick<FaultLink, "admit" | "track" | "roundTripMs">;

export class FaultLink {
  private settings: LinkSettings = { latencyMs: NO_LATENCY, refuse: false };
  private downUntil = 0;
  private readonly live = new Set<() => void>();
  private counts = { opened: 0, refused: 0, dropped: 0 };

  constructor(readonly name: string) {}

  set(patch: Partial<LinkSettings>): LinkStats {
    if (patch.latencyMs) {
      const [min, max] = patch.latencyMs;
      if (!(min >= 0 && max >= min)) throw new Error(`${this.name}: latencyMs must be [min, max] with 0 <= min <= max`);
    }
    this.settings = { ...this.settings, ...patch };
    return this.stats();
  }

  /** Refuses new connections for `seconds` and drops the live ones now: the server is gone. */
  outage(seconds: number): LinkStats {
    this.downUntil = Date.now() + Math.max(0, seconds) * 1000;
    this.dropLive();
    return this.stats();
  }

  /** Ends the outage early. */
  restore(): LinkStats {
    this.downUntil = 0;
    return this.stats();
  }

  refuse(on: boolean): LinkStats {
    return this.set({ refuse: on });
  }

  /** Closes every live connection, as a server restart or a network cut would. */
  dropLive(): LinkStats {
    for (const close of [...this.live]) {
      close();
      this.counts.dropped++;
    }
    this.live.clear();
    return this.stats();
  }

  /** Back to a plain, fast, healthy link (counters kept). */
  clear(): LinkStats {
    this.settings = { latencyMs: NO_LATENCY, refuse: false };
    this.downUntil = 0;
    return this.stats();
  }

  resetCounters(): LinkStats {
    this.counts = { opened: 0, refused: 0, dropped: 0 };
    return this.stats();
  }

  /** Whether a new connection may open now; counts it either way. */
  admit(): boolean {
    if (this.settings.refuse || Date.now() < this.downUntil) {
      this.counts.refused++;
      return false;
    }
    this.counts.opened++;
    return true;
  }

  /** Registers a live connection's closer; call the returned function when it ends by itself. */
  track(close: () => void): () => void {
    this.live.add(close);
    return () => this.live.delete(close);
  }

  /** One sampled round trip, in ms. */
  roundTripMs(): number {
    const [min, max] = this.settings.latencyMs;
    return max <= 0 ? 0 : min + Math.random() * (max - min);
  }

  /**
   * The same link for connections made at the far end (the HTTP stand-in's to Postgres): refused and
   * dropped with it, no added round trip, not counted in `opened` (the requests they serve are).
   */
  withoutDistance(): ConnectionPolicy {
    return {
      admit: () => !(this.settings.refuse || Date.now() < this.downUntil),
      track: (close) => this.track(close),
      roundTripMs: () => 0,
    };
  }

  stats(): LinkStats {
    return { ...this.counts, downUntil: this.downUntil > Date.now() ? this.downUntil : 0, ...this.settings, latencyMs: [...this.settings.latencyMs] };
  }
}

/**
 * Delivers chunks after a delay without reordering them: a chunk never overtakes the one before it,
 * whatever the jitter (a TCP stream's bytes arrive in order however long each took). One timer drains
 * the queue in order; separate timers per chunk could fire out of order at equal due times.
 */
export class OrderedDelay {
  private readonly queue: { at: number; deliver: () => void }[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly delayMs: () => number) {}

  push(deliver: () => void): void {
    const delay = this.delayMs();
    if (delay <= 0 && this.queue.length === 0) {
      deliver();
      return;
    }
    const last = this.queue[this.queue.length - 1];
    this.queue.push({ at: Math.max(Date.now() + delay, last?.at ?? 0), deliver });
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, this.queue[0]!.at - Date.now()));
  }

  private flush(): void {
    this.timer = undefined;
    const now = Date.now();
    while (this.queue.length > 0 && this.queue[0]!.at <= now) this.queue.shift()!.deliver();
    this.schedule();
  }
}

export interface StackFaults {
  /** The database link: WebSocket proxy sessions and Neon HTTP stand-in requests alike. */
  postgres: FaultLink;
  /**
   * A second, separate path to the same Postgres (its own proxy and stand-in: Stack.isolatedVars),
   * for a test that takes the database away from itself without failing the tests running beside it.
   */
  isolatedPostgres: FaultLink;
}

export function newStackFaults(): StackFaults {
  return { postgres: new FaultLink("postgres"), isolatedPostgres: new FaultLink("isolated-postgres") };
}
