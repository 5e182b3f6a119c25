// The limiter interface every backend keeps: memory (embedded default), Redis and Upstash.
// A token bucket: `capacity` tokens, refilled continuously at `refillPerSecond`.
export interface BucketRule {
  capacity: number;
  refillPerSecond: number;
}

export interface LimitResult {
  allowed: boolean;
  /** Whole tokens left after this request (0 when refused). */
  remaining: number;
  /**
   * Seconds until the refused cost is available again, at least 1 (0 when allowed). Infinity when
   * the bucket never refills (refillPerSecond 0): a Retry-After header needs a cap of its own.
   */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Takes `cost` tokens (default 1) from the bucket `key`, or refuses and takes none. */
  consume(key: string, rule: BucketRule, cost?: number): Promise<LimitResult>;
  /** Gives `key` its full capacity back. */
  reset(key: string): Promise<void>;
}

export type RateLimitBackend = 'memory' | 'redis' | 'upstash';

/**
 * The shared store (Redis, Upstash) could not answer: down, unreachable, timed out, refused our
 * credentials or failed the script. Nothing is known about the bucket, so callers fail closed
 * (503) unless configured to open. The message names the backend and the cause's first line; it
 * never carries a URL or token. The original error is `cause`.
 */
export class RateLimitStoreUnavailable extends Error {
  override readonly name = 'RateLimitStoreUnavailable';
  constructor(
    readonly backend: Exclude<RateLimitBackend, 'memory'>,
    cause: unknown,
  ) {
    super(`Rate-limit store (${backend}) unavailable: ${describeCause(cause)}`, { cause });
  }
}

function describeCause(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  const firstLine = text.split('\n', 1)[0] ?? '';
  return firstLine.length > 200 ? `${firstLine.slice(0, 200)}…` : firstLine;
}
