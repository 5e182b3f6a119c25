// Throttling of password attempts and sign-ups, per account and per client (and of agents' inbound
// credentials, lib/auth/inbound-credentials.ts), on the limiter interface of lib/ratelimit.
// Where the buckets live follows the rate limits: with REDIS_URL (or Upstash) they are shared by
// every instance, so an attacker cannot multiply the attempts by the number of instances; without,
// this process's memory. While the shared store is unreachable, this process's memory throttles
// on its own (one instance's view) rather than refusing every sign-in or letting all through.
import { createHash } from 'node:crypto';
import { rateLimited } from '@/lib/api/errors';
import { env } from '@/lib/env';
import { logger } from '@/lib/observability/logger';
import { getRateLimiter, rateLimitBackend, RateLimitStoreUnavailable } from '@/lib/ratelimit';
import { MemoryRateLimiter } from '@/lib/ratelimit/memory';
import type { BucketRule, LimitResult, RateLimiter } from '@/lib/ratelimit/types';

const g = globalThis as unknown as { __axsAuthLimiter?: RateLimiter };

/**
 * The shared limiter under `auth:` keys — hashed, so emails and addresses are not key names in
 * the store — falling back to a local one when the store fails.
 */
export class SharedAuthLimiter implements RateLimiter {
  private lastWarned = 0;

  constructor(
    private readonly shared: () => RateLimiter,
    private readonly local: RateLimiter = new MemoryRateLimiter(),
  ) {}

  static key(key: string): string {
    return `auth:${createHash('sha256').update(key).digest('base64url').slice(0, 32)}`;
  }

  async consume(key: string, rule: BucketRule, cost = 1): Promise<LimitResult> {
    try {
      return await this.shared().consume(SharedAuthLimiter.key(key), rule, cost);
    } catch (error) {
      if (!(error instanceof RateLimitStoreUnavailable)) throw error;
      this.warn(error);
      return this.local.consume(key, rule, cost);
    }
  }

  async reset(key: string): Promise<void> {
    await this.local.reset(key);
    try {
      await this.shared().reset(SharedAuthLimiter.key(key));
    } catch (error) {
      if (!(error instanceof RateLimitStoreUnavailable)) throw error;
      this.warn(error);
    }
  }

  private warn(error: RateLimitStoreUnavailable): void {
    if (Date.now() - this.lastWarned < 60_000) return;
    this.lastWarned = Date.now();
    logger().warn({ err: { message: error.message } }, 'sign-in throttling falls back to this instance while the shared store is unreachable');
  }
}

export function authLimiter(): RateLimiter {
  g.__axsAuthLimiter ??= rateLimitBackend() === 'memory' ? new MemoryRateLimiter() : new SharedAuthLimiter(getRateLimiter);
  return g.__axsAuthLimiter;
}

/** Tests start each case with full buckets. */
export function resetAuthLimiter(): void {
  g.__axsAuthLimiter = undefined;
}

function rule(capacity: number): BucketRule {
  return { capacity, refillPerSecond: capacity / env().AUTH_THROTTLE_WINDOW_SECONDS };
}

/** Spends one attempt from each named bucket; throws 429 when any is empty. */
export async function throttleAuthAttempt(opts: { account?: string; client: string; action: 'login' | 'register' }) {
  const { AUTH_THROTTLE_PER_ACCOUNT, AUTH_THROTTLE_PER_CLIENT } = env();
  const limiter = authLimiter();
  const checks = [limiter.consume(`${opts.action}:client:${opts.client}`, rule(AUTH_THROTTLE_PER_CLIENT))];
  if (opts.account) {
    checks.push(limiter.consume(`${opts.action}:account:${opts.account}`, rule(AUTH_THROTTLE_PER_ACCOUNT)));
  }
  const results = await Promise.all(checks);
  const refused = results.filter((r) => !r.allowed);
  if (refused.length) {
    const wait = Math.max(...refused.map((r) => r.retryAfterSeconds));
    throw rateLimited(wait, 'Too many attempts; try again later');
  }
}

/** A successful sign-in clears the account's failures (the client's count stays). */
export async function clearAccountThrottle(account: string): Promise<void> {
  await authLimiter().reset(`login:account:${account}`);
}
