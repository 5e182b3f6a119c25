// Throttling of password attempts and sign-ups, per account and per client, on the limiter
// interface the rate-limit work extends (memory here: one node's view).
import { rateLimited } from '@/lib/api/errors';
import { env } from '@/lib/env';
import { MemoryRateLimiter } from '@/lib/ratelimit/memory';
import type { BucketRule, RateLimiter } from '@/lib/ratelimit/types';

const g = globalThis as unknown as { __axsAuthLimiter?: RateLimiter };

export function authLimiter(): RateLimiter {
  g.__axsAuthLimiter ??= new MemoryRateLimiter();
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
