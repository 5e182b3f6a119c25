// In-process token buckets: the embedded default. Buckets that have refilled completely carry no
// information and are dropped, so memory stays bounded by the keys active within one refill time.
import type { BucketRule, LimitResult, RateLimiter } from './types';

interface Bucket {
  tokens: number;
  updatedAt: number;
  rule: BucketRule;
}

const SWEEP_EVERY = 1000;

export class MemoryRateLimiter implements RateLimiter {
  private buckets = new Map<string, Bucket>();
  private operations = 0;

  constructor(private readonly now: () => number = () => Date.now()) {}

  async consume(key: string, rule: BucketRule, cost = 1): Promise<LimitResult> {
    const now = this.now();
    if (++this.operations % SWEEP_EVERY === 0) this.sweep(now);
    const bucket = this.buckets.get(key);
    let tokens = rule.capacity;
    if (bucket) {
      const elapsed = Math.max(0, now - bucket.updatedAt) / 1000;
      tokens = Math.min(rule.capacity, bucket.tokens + elapsed * rule.refillPerSecond);
    }
    if (tokens >= cost) {
      tokens -= cost;
      this.buckets.set(key, { tokens, updatedAt: now, rule });
      return { allowed: true, remaining: Math.floor(tokens), retryAfterSeconds: 0 };
    }
    this.buckets.set(key, { tokens, updatedAt: now, rule });
    const retryAfterSeconds = Math.max(1, Math.ceil((cost - tokens) / rule.refillPerSecond));
    return { allowed: false, remaining: 0, retryAfterSeconds };
  }

  async reset(key: string): Promise<void> {
    this.buckets.delete(key);
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      const elapsed = (now - bucket.updatedAt) / 1000;
      if (bucket.tokens + elapsed * bucket.rule.refillPerSecond >= bucket.rule.capacity) {
        this.buckets.delete(key);
      }
    }
  }
}
