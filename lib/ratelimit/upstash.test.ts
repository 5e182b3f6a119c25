// The Upstash backend through @upstash/redis, against the real Redis 7 behind a local stand-in for
// Upstash's REST API (test/helpers/upstash-rest.ts): the shared contract, EVALSHA with the EVAL
// fallback, buckets shared with other instances and with the Redis backend, and failing closed on
// a wrong token, an unreachable or a silent endpoint. Upstash's service itself is not reached.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstashRestAdapter, type UpstashRestAdapter } from '@/test/helpers/upstash-rest';
import { describeRateLimiterContract } from './contract';
import { RedisRateLimiter } from './redis';
import { TEST_REDIS_URL, deleteKeysWithPrefix, describeWithRedis, testKeyPrefix } from './test-redis';
import { TOKEN_BUCKET_LUA } from './token-bucket';
import { RateLimitStoreUnavailable } from './types';
import { UpstashRateLimiter, type UpstashRateLimiterOptions } from './upstash';
import { rejection } from '@/test/helpers/rejection';

const prefix = testKeyPrefix();
const rule = { capacity: 3, refillPerSecond: 0.5 };

await describeWithRedis('UpstashRateLimiter (REST adapter over Redis 7)', () => {
  let adapter: UpstashRestAdapter;
  let shared: UpstashRateLimiter;
  const limiter = (options: Partial<UpstashRateLimiterOptions> = {}) =>
    new UpstashRateLimiter({ url: adapter.url, token: adapter.token, prefix, ...options });

  beforeAll(async () => {
    adapter = await startUpstashRestAdapter({ redisUrl: TEST_REDIS_URL });
    shared = limiter();
  });
  afterAll(async () => {
    await adapter?.close();
    await deleteKeysWithPrefix(prefix);
  });

  describeRateLimiterContract('upstash', () => shared);

  it('sends a burst as one auto-pipelined request', async () => {
    const before = adapter.requests.length;
    const results = await Promise.all(Array.from({ length: 50 }, () => shared.consume('burst', { capacity: 10, refillPerSecond: 0 })));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    expect(adapter.requests.slice(before)).toEqual(['/pipeline']);
  });

  it('falls back to EVAL when the store does not know the script, then uses EVALSHA', async () => {
    // A variant of the script nobody has loaded: its first EVALSHA must meet NOSCRIPT.
    const unknown = limiter({ script: `${TOKEN_BUCKET_LUA}-- ${randomUUID()}\n` });
    const before = adapter.commands.length;
    expect(await unknown.consume('noscript', rule)).toMatchObject({ allowed: true, remaining: 2 });
    expect(await unknown.consume('noscript', rule)).toMatchObject({ allowed: true, remaining: 1 });
    expect(adapter.commands.slice(before)).toEqual(['evalsha', 'eval', 'evalsha']);
  });

  it('shares buckets with other instances and with the Redis backend', async () => {
    const other = limiter();
    const redis = new RedisRateLimiter({ url: TEST_REDIS_URL, prefix });
    try {
      const bucket = { capacity: 10, refillPerSecond: 0 };
      const all = [shared, other, redis];
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => all[i % 3]!.consume('cross', bucket)));
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
      await redis.reset('cross');
      expect(await other.consume('cross', bucket)).toMatchObject({ allowed: true, remaining: 9 });
    } finally {
      await redis.close();
    }
  });

  it("can refill by this process's clock instead of the server's", async () => {
    const clientClock = limiter({ clock: 'client' });
    const fast = { capacity: 1, refillPerSecond: 5 };
    expect((await clientClock.consume('client-clock', fast)).allowed).toBe(true);
    expect(await clientClock.consume('client-clock', fast)).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
    await new Promise((r) => setTimeout(r, 250));
    expect((await clientClock.consume('client-clock', fast)).allowed).toBe(true);
  });

  it('throws RateLimitStoreUnavailable for a wrong token, without the token', async () => {
    const wrong = limiter({ token: 'not-the-token-xyz' });
    const { error } = await rejection(() => wrong.consume('k', rule));
    expect(error).toBeInstanceOf(RateLimitStoreUnavailable);
    expect((error as RateLimitStoreUnavailable).backend).toBe('upstash');
    expect((error as Error).message).not.toContain('not-the-token-xyz');
    expect((error as Error).message).not.toContain(adapter.token);
    await expect(wrong.reset('k')).rejects.toBeInstanceOf(RateLimitStoreUnavailable);
  });
});

describe('UpstashRateLimiter without a store', () => {
  it('throws RateLimitStoreUnavailable quickly when nothing listens', async () => {
    const l = new UpstashRateLimiter({ url: 'http://127.0.0.1:1', token: 't' });
    const { error, ms } = await rejection(() => l.consume('k', rule));
    expect(error).toBeInstanceOf(RateLimitStoreUnavailable);
    expect(ms).toBeLessThan(2000);
  });

  it('throws RateLimitStoreUnavailable at its deadline when the endpoint never answers', async () => {
    const silent = http.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const l = new UpstashRateLimiter({ url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, token: 't', timeoutMs: 300 });
      const { error, ms } = await rejection(() => l.consume('k', rule));
      expect(error).toBeInstanceOf(RateLimitStoreUnavailable);
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(ms).toBeLessThan(2000);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});
