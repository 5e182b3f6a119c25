// The limiter interface every backend keeps (memory now; Redis and Upstash join it later).
// A token bucket: `capacity` tokens, refilled continuously at `refillPerSecond`.
export interface BucketRule {
  capacity: number;
  refillPerSecond: number;
}

export interface LimitResult {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until one token is available again (0 when allowed). */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  consume(key: string, rule: BucketRule, cost?: number): Promise<LimitResult>;
  reset(key: string): Promise<void>;
}
