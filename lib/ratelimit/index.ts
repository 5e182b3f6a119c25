// The process-wide rate limiter, chosen from the settings (lib/env.ts):
//   REDIS_URL                                       → Redis (shared by every instance)
//   else UPSTASH_REDIS_REST_URL + _TOKEN            → Upstash over REST (shared)
//   else                                            → memory (this process only; the embedded default)
// One instance per process, cached on globalThis (as db/client.ts) so `next dev` reloads reuse it.
import { env, type Env } from '@/lib/env';
import { MemoryRateLimiter } from './memory';
import { RedisRateLimiter } from './redis';
import { UpstashRateLimiter } from './upstash';
import { RateLimitStoreUnavailable, type BucketRule, type LimitResult, type RateLimitBackend, type RateLimiter } from './types';

export { RateLimitStoreUnavailable } from './types';
export type { BucketRule, LimitResult, RateLimitBackend, RateLimiter } from './types';

type Closable = RateLimiter & { close?: () => Promise<void> };
type Settings = Pick<Env, 'REDIS_URL' | 'UPSTASH_REDIS_REST_URL' | 'UPSTASH_REDIS_REST_TOKEN'>;

const g = globalThis as unknown as { __axsRateLimiter?: { backend: RateLimitBackend | 'test'; limiter: Closable } };

/** Which backend the settings select. */
export function rateLimitBackend(settings: Settings = env()): RateLimitBackend {
  if (settings.REDIS_URL) return 'redis';
  if (settings.UPSTASH_REDIS_REST_URL && settings.UPSTASH_REDIS_REST_TOKEN) return 'upstash';
  return 'memory';
}

/** A new limiter for the settings (getRateLimiter() is the one to use; this is for tools/tests). */
export function createRateLimiter(settings: Settings = env()): Closable {
  switch (rateLimitBackend(settings)) {
    case 'redis':
      return new RedisRateLimiter({ url: settings.REDIS_URL! });
    case 'upstash':
      return new UpstashRateLimiter({ url: settings.UPSTASH_REDIS_REST_URL!, token: settings.UPSTASH_REDIS_REST_TOKEN! });
    default:
      return new MemoryRateLimiter();
  }
}

/** The process-wide limiter. Connects lazily: creating it never fails on a down store. */
export function getRateLimiter(): RateLimiter {
  if (!g.__axsRateLimiter) {
    const settings = env();
    g.__axsRateLimiter = { backend: rateLimitBackend(settings), limiter: createRateLimiter(settings) };
  }
  return g.__axsRateLimiter.limiter;
}

/** Closes the process-wide limiter (shutdown, tests); the next getRateLimiter() makes a new one. */
export async function closeRateLimiter(): Promise<void> {
  const current = g.__axsRateLimiter;
  g.__axsRateLimiter = undefined;
  await current?.limiter.close?.();
}

/** Tests install their own limiter (undefined: back to the settings' choice on next use). */
export function setRateLimiterForTests(limiter: RateLimiter | undefined): void {
  g.__axsRateLimiter = limiter ? { backend: 'test', limiter } : undefined;
}

/** The bucket every agent+tool gets unless the tool overrides it: RATE_LIMIT_CAPACITY, _REFILL_PER_SEC. */
export function defaultBucketRule(settings: Pick<Env, 'RATE_LIMIT_CAPACITY' | 'RATE_LIMIT_REFILL_PER_SEC'> = env()): BucketRule {
  return { capacity: settings.RATE_LIMIT_CAPACITY, refillPerSecond: settings.RATE_LIMIT_REFILL_PER_SEC };
}

export interface RateLimitDecision extends LimitResult {
  /** Set when the store failed and RATE_LIMIT_FAIL_OPEN let the request through: audit it. */
  failedOpen?: RateLimitStoreUnavailable;
}

/**
 * One consume under the configured failure policy. Fail closed (the default): a store failure is
 * thrown as RateLimitStoreUnavailable (→ 503). With RATE_LIMIT_FAIL_OPEN the request is allowed
 * and the failure returned in `failedOpen`. Other errors (a RangeError for a bad rule) propagate.
 */
export async function consumeRateLimit(
  key: string,
  rule: BucketRule,
  cost = 1,
  options: { limiter?: RateLimiter; failOpen?: boolean } = {},
): Promise<RateLimitDecision> {
  const limiter = options.limiter ?? getRateLimiter();
  try {
    return await limiter.consume(key, rule, cost);
  } catch (error) {
    if (!(error instanceof RateLimitStoreUnavailable) || !(options.failOpen ?? env().RATE_LIMIT_FAIL_OPEN)) throw error;
    return { allowed: true, remaining: 0, retryAfterSeconds: 0, failedOpen: error };
  }
}
