// Sign-in throttling with a shared store (REDIS_URL): two instances — two limiters on their own
// connections — spend the same buckets, under hashed keys; a store that is down leaves each
// instance throttling on its own instead of refusing every sign-in. Without a shared store the
// buckets stay in this process (the rest of the suite covers that path through the API).
import Redis from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisRateLimiter } from '@/lib/ratelimit/redis';
import { TEST_REDIS_URL, deleteKeysWithPrefix, describeWithRedis, testKeyPrefix } from '@/lib/ratelimit/test-redis';
import { SharedAuthLimiter } from './throttle';

const prefix = testKeyPrefix();
const open: RedisRateLimiter[] = [];
const redisLimiter = (url = TEST_REDIS_URL) => {
  const l = new RedisRateLimiter({ url, prefix });
  open.push(l);
  return l;
};

afterAll(async () => {
  await Promise.all(open.map((l) => l.close()));
  await deleteKeysWithPrefix(prefix);
});

const rule = { capacity: 3, refillPerSecond: 3 / 900 };

await describeWithRedis('SharedAuthLimiter on Redis', () => {
  it('shares the buckets between instances, under keys that name no account', async () => {
    const a = new SharedAuthLimiter(() => redisLimiter());
    const b = new SharedAuthLimiter(() => redisLimiter());
    const key = `login:account:someone-${Date.now()}@example.com`;
    expect((await a.consume(key, rule)).allowed).toBe(true);
    expect((await a.consume(key, rule)).allowed).toBe(true);
    expect((await b.consume(key, rule)).allowed).toBe(true);
    const refused = await b.consume(key, rule);
    expect(refused.allowed).toBe(false);
    expect((await a.consume(key, rule)).allowed).toBe(false);

    const raw = new Redis(TEST_REDIS_URL, { disableClientInfo: true });
    try {
      const keys = await raw.keys(`${prefix}*`);
      expect(keys).toContain(`${prefix}${SharedAuthLimiter.key(key)}`);
      expect(keys.join(' ')).not.toContain('example.com');
    } finally {
      raw.disconnect();
    }
    // A successful sign-in clears the account's bucket everywhere.
    await b.reset(key);
    expect((await a.consume(key, rule)).allowed).toBe(true);
  });
});

describe('SharedAuthLimiter without its store', () => {
  it('throttles on this instance alone while the store is unreachable', async () => {
    const down = new SharedAuthLimiter(() => redisLimiter('redis://127.0.0.1:1'));
    const key = 'login:client:10.0.0.1';
    for (let i = 0; i < 3; i++) expect((await down.consume(key, rule)).allowed).toBe(true);
    expect((await down.consume(key, rule)).allowed).toBe(false);
    await down.reset(key);
    expect((await down.consume(key, rule)).allowed).toBe(true);
  });
});
