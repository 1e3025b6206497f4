/**
 * The database probe behind HEALTH_PATH, cached briefly and shared. HEALTH_PATH is public and exempt from the rate
 * limit (load balancers and the HEALTHCHECK poll it), so without this every request to it is a database query
 * anyone can send as fast as they like.
 */

/**
 * How long one probe's answer (healthy or not) serves HEALTH_PATH: about a second. Long enough that a flood of
 * health checks costs the database one query a second, also while it is sick (a cached failure does not hammer
 * it); short enough that a load balancer polling every few seconds always sees a fresh answer, and a recovery
 * shows within a second.
 */
export const HEALTH_CACHE_MS = 1000;

/** One probe's outcome: the error is kept so every unhealthy answer can log what went wrong. */
export type ProbeResult = { ok: true } | { ok: false; error: unknown };

/**
 * A probe's result, reused for HEALTH_CACHE_MS after it completes; concurrent callers during a probe share it
 * (single flight). The app's own queries are evidence too (`observed`): one that succeeds ends a cached failure,
 * one that fails ends a cached success, so the answer follows a change at once when traffic sees it. (A probe
 * already running when such a query finishes still answers its waiters and is cached: stale for at most
 * HEALTH_CACHE_MS, as without traffic.)
 */
export class HealthCache {
  private inFlight: Promise<ProbeResult> | null = null;
  private cached: { result: ProbeResult; until: number } | null = null;

  constructor(
    private readonly probe: () => Promise<void>,
    private readonly ttlMs: number = HEALTH_CACHE_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The cached result while fresh, else the running probe's, else a new probe's. */
  check(): Promise<ProbeResult> {
    if (this.cached && this.now() < this.cached.until) return Promise.resolve(this.cached.result);
    this.inFlight ??= this.run();
    return this.inFlight;
  }

  /** A query of the app's own finished (`ok`: without an error): drop a cached result it contradicts. */
  observed(ok: boolean): void {
    if (this.cached && this.cached.result.ok !== ok) this.cached = null;
  }

  private async run(): Promise<ProbeResult> {
    let result: ProbeResult;
    try {
      await this.probe();
      result = { ok: true };
    } catch (error) {
      result = { ok: false, error };
    }
    this.cached = { result, until: this.now() + this.ttlMs };
    this.inFlight = null;
    return result;
  }
}
