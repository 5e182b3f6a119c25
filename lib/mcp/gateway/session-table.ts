// Live gateway sessions (SSE streams, Streamable HTTP sessions) held in memory, bounded per owner
// (agent), per org and overall, with an idle timeout. A session is visible only to the owner that
// opened it: another agent presenting its id gets the same answer as for an unknown id.
//
// Every removal — remove(), removeWhere(), idle sweep, close() — takes the entry out of the table
// first and then calls `dispose(value)`, so a dispose that closes a transport whose onclose calls
// remove() again is harmless.

export type SessionLimit = 'owner' | 'org' | 'total';
export type SessionRemovalReason = 'removed' | 'idle' | 'filtered' | 'shutdown' | 'evicted';

export class SessionLimitError extends Error {
  constructor(
    /** Which cap was hit. */
    readonly limit: SessionLimit,
    /** The cap's value. */
    readonly max: number,
  ) {
    super(
      limit === 'owner'
        ? `Too many open sessions for this agent (max ${max})`
        : limit === 'org'
          ? `Too many open sessions for this organization (max ${max})`
          : `Too many open sessions on this server (max ${max})`,
    );
    this.name = 'SessionLimitError';
  }
}

export interface SessionEntry<T> {
  readonly id: string;
  readonly value: T;
  readonly ownerKey: string;
  readonly orgId: string;
  readonly createdAt: number;
  lastSeen: number;
}

export interface SessionTableOptions<T> {
  /** Sessions one owner may hold. Default 32. */
  maxPerOwner?: number;
  /** Sessions one org may hold. Default 1024. */
  maxPerOrg?: number;
  /** Sessions overall. Default 10 000. */
  maxTotal?: number;
  /** A session not touched for this long is removed. Default 30 minutes; Infinity disables. */
  idleTimeoutMs?: number;
  /** How often idle sessions are looked for. Default idleTimeoutMs / 4, at most 60 s. */
  sweepIntervalMs?: number;
  /**
   * At the per-owner cap, close the owner's least recently used session to make room instead of
   * refusing the new one. Most MCP clients never end their sessions (no DELETE), so an agent that
   * reconnects often would otherwise be locked out until idle expiry. Its own sessions only: the
   * org and overall caps still refuse. Default false.
   */
  evictLeastRecentOfOwner?: boolean;
  /**
   * Counts shared with other tables: the caps then hold over all of them together (the gateway's
   * Streamable HTTP and legacy SSE sessions are capped as one). Default: this table's own.
   */
  counts?: SessionCounts;
  /** Called once for every session taken out of the table (e.g. `transport.close()`). */
  dispose?: (value: T, id: string, reason: SessionRemovalReason) => void | Promise<void>;
  /** Errors thrown or rejected by dispose; ignored by default. */
  onDisposeError?: (error: unknown, id: string) => void;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
}

const DEFAULTS = { maxPerOwner: 32, maxPerOrg: 1024, maxTotal: 10_000, idleTimeoutMs: 30 * 60_000 };
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

function cap(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value >= 0)) throw new RangeError(`${name} must be a non-negative number, got ${String(value)}`);
  return value;
}

/** Live sessions per owner, per organization and in all; one instance may serve several tables. */
export class SessionCounts {
  readonly perOwner = new Map<string, number>();
  readonly perOrg = new Map<string, number>();
  total = 0;
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function decrement(counts: Map<string, number>, key: string): void {
  const next = (counts.get(key) ?? 0) - 1;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}

export class SessionTable<T> {
  readonly maxPerOwner: number;
  readonly maxPerOrg: number;
  readonly maxTotal: number;
  readonly idleTimeoutMs: number;
  readonly evictLeastRecentOfOwner: boolean;

  private readonly entries = new Map<string, SessionEntry<T>>();
  private readonly counts: SessionCounts;
  private readonly dispose?: SessionTableOptions<T>['dispose'];
  private readonly onDisposeError?: SessionTableOptions<T>['onDisposeError'];
  private readonly now: () => number;
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(options: SessionTableOptions<T> = {}) {
    this.maxPerOwner = cap(options.maxPerOwner, DEFAULTS.maxPerOwner, 'maxPerOwner');
    this.maxPerOrg = cap(options.maxPerOrg, DEFAULTS.maxPerOrg, 'maxPerOrg');
    this.maxTotal = cap(options.maxTotal, DEFAULTS.maxTotal, 'maxTotal');
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs;
    if (!(this.idleTimeoutMs > 0)) throw new RangeError(`idleTimeoutMs must be positive, got ${String(options.idleTimeoutMs)}`);
    this.evictLeastRecentOfOwner = options.evictLeastRecentOfOwner ?? false;
    this.counts = options.counts ?? new SessionCounts();
    this.dispose = options.dispose;
    this.onDisposeError = options.onDisposeError;
    this.now = options.now ?? Date.now;
    if (Number.isFinite(this.idleTimeoutMs)) {
      const interval = options.sweepIntervalMs ?? Math.min(Math.max(this.idleTimeoutMs / 4, 10), 60_000);
      this.sweepTimer = setInterval(() => this.sweep(), Math.min(Math.max(interval, 1), MAX_TIMER_DELAY_MS));
      this.sweepTimer.unref?.();
    }
  }

  /** Number of live sessions in this table. */
  get size(): number {
    return this.entries.size;
  }

  /** The owner's live sessions, over every table sharing this one's counts. */
  countForOwner(ownerKey: string): number {
    return this.counts.perOwner.get(ownerKey) ?? 0;
  }

  /** The organization's live sessions, over every table sharing this one's counts. */
  countForOrg(orgId: string): number {
    return this.counts.perOrg.get(orgId) ?? 0;
  }

  /** Live sessions over every table sharing this one's counts. */
  countAll(): number {
    return this.counts.total;
  }

  /** Whether this table holds a session of the owner (one it could evict). */
  holdsOneOf(ownerKey: string): boolean {
    for (const entry of this.entries.values()) if (entry.ownerKey === ownerKey) return true;
    return false;
  }

  /**
   * Adds a session. Throws SessionLimitError (owner, then org, then total cap) when full, and a
   * plain Error for a duplicate id or a closed table. The caller disposes `value` itself when add
   * throws.
   */
  add(id: string, value: T, owner: { ownerKey: string; orgId: string }): SessionEntry<T> {
    if (this.closed) throw new Error('SessionTable is closed');
    if (this.entries.has(id)) throw new Error('Duplicate session id');
    const ownerFull = this.countForOwner(owner.ownerKey) >= this.maxPerOwner;
    // Only a session of this table can be evicted: one held by a sibling table is not ours to end.
    if (ownerFull && (!this.evictLeastRecentOfOwner || !this.holdsOneOf(owner.ownerKey))) throw new SessionLimitError('owner', this.maxPerOwner);
    // An eviction frees a place in the owner's org and overall too, so those caps are checked as after it.
    const freed = ownerFull ? 1 : 0;
    if (this.countForOrg(owner.orgId) - freed >= this.maxPerOrg) throw new SessionLimitError('org', this.maxPerOrg);
    if (this.countAll() - freed >= this.maxTotal) throw new SessionLimitError('total', this.maxTotal);
    if (ownerFull) this.evictLeastRecent(owner.ownerKey);
    const now = this.now();
    const entry: SessionEntry<T> = { id, value, ownerKey: owner.ownerKey, orgId: owner.orgId, createdAt: now, lastSeen: now };
    this.entries.set(id, entry);
    increment(this.counts.perOwner, owner.ownerKey);
    increment(this.counts.perOrg, owner.orgId);
    this.counts.total += 1;
    return entry;
  }

  /** The session's value, or undefined when the id is unknown or belongs to another owner. */
  get(id: string, ownerKey: string): T | undefined {
    return this.entry(id, ownerKey)?.value;
  }

  /** The session's entry, or undefined when the id is unknown or belongs to another owner. */
  entry(id: string, ownerKey: string): Readonly<SessionEntry<T>> | undefined {
    const entry = this.entries.get(id);
    return entry && entry.ownerKey === ownerKey ? entry : undefined;
  }

  /** Every live session (a snapshot). */
  list(): Readonly<SessionEntry<T>>[] {
    return [...this.entries.values()];
  }

  /** Marks the session as used now; false when unknown or foreign. */
  touch(id: string, ownerKey: string): boolean {
    const entry = this.entries.get(id);
    if (!entry || entry.ownerKey !== ownerKey) return false;
    entry.lastSeen = this.now();
    return true;
  }

  /**
   * Removes a session and disposes its value; false when it was not there. With ownerKey, a
   * foreign session is left alone (false).
   */
  remove(id: string, ownerKey?: string): boolean {
    const entry = this.entries.get(id);
    if (!entry || (ownerKey !== undefined && entry.ownerKey !== ownerKey)) return false;
    this.take(entry, 'removed');
    return true;
  }

  /** Removes (and disposes) every session matching pred, e.g. all of a revoked agent; returns how many. */
  removeWhere(pred: (entry: Readonly<SessionEntry<T>>) => boolean): number {
    const doomed = [...this.entries.values()].filter((entry) => pred(entry));
    for (const entry of doomed) this.take(entry, 'filtered');
    return doomed.length;
  }

  /** Removes sessions idle for idleTimeoutMs or longer; returns how many. Runs on its own timer too. */
  sweep(): number {
    const cutoff = this.now() - this.idleTimeoutMs;
    const idle = [...this.entries.values()].filter((entry) => entry.lastSeen <= cutoff);
    for (const entry of idle) this.take(entry, 'idle');
    return idle.length;
  }

  /** Of an owner's sessions, the one used longest ago goes. */
  private evictLeastRecent(ownerKey: string): void {
    let oldest: SessionEntry<T> | undefined;
    for (const entry of this.entries.values()) {
      if (entry.ownerKey === ownerKey && (!oldest || entry.lastSeen < oldest.lastSeen)) oldest = entry;
    }
    if (oldest) this.take(oldest, 'evicted');
  }

  /** Shutdown: stops the sweep timer, disposes every session, refuses further adds. Idempotent. */
  close(): void {
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const entry of [...this.entries.values()]) this.take(entry, 'shutdown');
  }

  private take(entry: SessionEntry<T>, reason: SessionRemovalReason): void {
    if (this.entries.get(entry.id) !== entry) return;
    this.entries.delete(entry.id);
    decrement(this.counts.perOwner, entry.ownerKey);
    decrement(this.counts.perOrg, entry.orgId);
    this.counts.total -= 1;
    if (!this.dispose) return;
    try {
      const result = this.dispose(entry.value, entry.id, reason);
      if (result && typeof (result as Promise<void>).catch === 'function') {
        (result as Promise<void>).catch((error: unknown) => this.onDisposeError?.(error, entry.id));
      }
    } catch (error) {
      this.onDisposeError?.(error, entry.id);
    }
  }
}
