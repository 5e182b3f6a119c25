// Choosing the backend from the settings, one limiter per process, and the failure policy.
import { afterEach, describe, expect, it } from 'vitest';
import { parseEnv, resetEnvCache } from '@/lib/env';
import {
  closeRateLimiter,
  consumeRateLimit,
  createRateLimiter,
  defaultBucketRule,
  getRateLimiter,
  rateLimitBackend,
  setRateLimiterForTests,
} from './index';
import { MemoryRateLimiter } from './memory';
import { RedisRateLimiter } from './redis';
import { RateLimitStoreUnavailable, type RateLimiter } from './types';
import { UpstashRateLimiter } from './upstash';

const saved = { ...process.env };

afterEach(async () => {
  await closeRateLimiter();
  for (const key of ['REDIS_URL', 'UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN', 'RATE_LIMIT_FAIL_OPEN']) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  resetEnvCache();
});

describe('rateLimitBackend', () => {
  it('is memory by default, Redis when REDIS_URL is set (even with Upstash), else Upstash', () => {
    expect(rateLimitBackend(parseEnv({}))).toBe('memory');
    const upstash = { UPSTASH_REDIS_REST_URL: 'https://eu1-x.upstash.io', UPSTASH_REDIS_REST_TOKEN: 'tok' };
    expect(rateLimitBackend(parseEnv(upstash))).toBe('upstash');
    expect(rateLimitBackend(parseEnv({ ...upstash, REDIS_URL: 'redis://127.0.0.1:6379' }))).toBe('redis');
  });

  it('creates the matching limiter without connecting to anything', async () => {
    expect(createRateLimiter(parseEnv({}))).toBeInstanceOf(MemoryRateLimiter);
    const redis = createRateLimiter(parseEnv({ REDIS_URL: 'redis://127.0.0.1:1' }));
    expect(redis).toBeInstanceOf(RedisRateLimiter);
    await redis.close?.();
    const upstash = parseEnv({ UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:1', UPSTASH_REDIS_REST_TOKEN: 't' });
    expect(createRateLimiter(upstash)).toBeInstanceOf(UpstashRateLimiter);
  });
});

describe('getRateLimiter', () => {
  it('answers one limiter per process until closed', async () => {
    const first = getRateLimiter();
    expect(getRateLimiter()).toBe(first);
    expect(first).toBeInstanceOf(MemoryRateLimiter);
    await closeRateLimiter();
    expect(getRateLimiter()).not.toBe(first);
  });

  it('follows the settings read at first use', async () => {
    process.env.REDIS_URL = 'redis://127.0.0.1:1';
    resetEnvCache();
    expect(getRateLimiter()).toBeInstanceOf(RedisRateLimiter);
  });

  it('takes the default rule from RATE_LIMIT_CAPACITY and RATE_LIMIT_REFILL_PER_SEC', () => {
    expect(defaultBucketRule(parseEnv({}))).toEqual({ capacity: 60, refillPerSecond: 1 });
    expect(defaultBucketRule(parseEnv({ RATE_LIMIT_CAPACITY: '5', RATE_LIMIT_REFILL_PER_SEC: '0.25' }))).toEqual({
      capacity: 5,
      refillPerSecond: 0.25,
    });
  });
});

describe('consumeRateLimit', () => {
  const down: RateLimiter = {
    consume: async () => {
      throw new RateLimitStoreUnavailable('redis', new Error('connect ECONNREFUSED'));
    },
    reset: async () => {},
  };
  const rule = { capacity: 1, refillPerSecond: 1 };

  it('fails closed by default: the store failure is thrown', async () => {
    setRateLimiterForTests(down);
    await expect(consumeRateLimit('k', rule)).rejects.toBeInstanceOf(RateLimitStoreUnavailable);
  });

  it('lets the request through with the failure attached when RATE_LIMIT_FAIL_OPEN is set', async () => {
    process.env.RATE_LIMIT_FAIL_OPEN = 'true';
    resetEnvCache();
    const decision = await consumeRateLimit('k', rule, 1, { limiter: down });
    expect(decision.allowed).toBe(true);
    expect(decision.failedOpen).toBeInstanceOf(RateLimitStoreUnavailable);
  });

  it('never opens for errors other than the store being unavailable', async () => {
    const buggy: RateLimiter = { consume: async () => Promise.reject(new RangeError('bad rule')), reset: async () => {} };
    await expect(consumeRateLimit('k', rule, 1, { limiter: buggy, failOpen: true })).rejects.toBeInstanceOf(RangeError);
  });

  it('passes the limit result through when the store answers', async () => {
    const limiter = new MemoryRateLimiter();
    expect(await consumeRateLimit('k', rule, 1, { limiter })).toEqual({ allowed: true, remaining: 0, retryAfterSeconds: 0 });
    expect(await consumeRateLimit('k', rule, 1, { limiter })).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
  });
});
