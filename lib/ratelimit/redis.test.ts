// The Redis backend against the real Redis 7 (TEST_REDIS_URL): the shared contract, buckets shared
// by separate clients (as by separate instances), expiry of idle keys, and failing fast and closed
// when Redis is unreachable, silent or goes away — through a TCP proxy of our own, never by
// stopping the machine's Redis.
import net, { type AddressInfo } from 'node:net';
import { startTcpProxy } from '@/test/helpers/net';
import Redis from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { describeRateLimiterContract } from './contract';
import { RedisRateLimiter } from './redis';
import { TEST_REDIS_URL, deleteKeysWithPrefix, describeWithRedis, testKeyPrefix } from './test-redis';
import { TOKEN_BUCKET_LUA } from './token-bucket';
import { RateLimitStoreUnavailable } from './types';
import { rejection } from '@/test/helpers/rejection';

const prefix = testKeyPrefix();
const open: RedisRateLimiter[] = [];

function limiter(options: Partial<ConstructorParameters<typeof RedisRateLimiter>[0]> = {}): RedisRateLimiter {
  const l = new RedisRateLimiter({ url: TEST_REDIS_URL, prefix, ...options });
  open.push(l);
  return l;
}

afterAll(async () => {
  await Promise.all(open.map((l) => l.close()));
  await deleteKeysWithPrefix(prefix);
});

const rule = { capacity: 3, refillPerSecond: 0.5 };

await describeWithRedis('RedisRateLimiter', () => {
  const shared = limiter();
  describeRateLimiterContract('redis', () => shared);

  it('shares one bucket between two clients (two instances of the app)', async () => {
    const [a, b] = [limiter(), limiter()];
    const bucket = { capacity: 10, refillPerSecond: 0 };
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).consume('shared', bucket)));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    expect((await a.consume('shared', bucket)).allowed).toBe(false);
    await b.reset('shared');
    expect(await a.consume('shared', bucket)).toMatchObject({ allowed: true, remaining: 9 });
  });

  it('keeps a bucket only until it would be full again, under the prefix', async () => {
    const redis = new Redis(TEST_REDIS_URL, { disableClientInfo: true });
    try {
      await shared.consume('ttl', rule); // one token short: full again in 2 s
      const ttl = await redis.pttl(`${prefix}ttl`);
      expect(ttl).toBeGreaterThan(1500);
      expect(ttl).toBeLessThanOrEqual(2000);
      expect(await redis.hget(`${prefix}ttl`, 'tokens')).toBe('2');

      await shared.consume('forever', { capacity: 2, refillPerSecond: 0 });
      expect(await redis.pttl(`${prefix}forever`)).toBe(-1); // never refills: the state is all there is

      await shared.consume('zero-cost', rule, 0); // a full bucket stays absent
      expect(await redis.exists(`${prefix}zero-cost`)).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  it('refuses a bad rule or cost as a RangeError, not a store failure', async () => {
    await expect(shared.consume('bad', { capacity: -1, refillPerSecond: 1 })).rejects.toBeInstanceOf(RangeError);
    await expect(shared.consume('bad', { capacity: 1, refillPerSecond: Number.NaN })).rejects.toBeInstanceOf(RangeError);
    await expect(shared.consume('bad', rule, -2)).rejects.toBeInstanceOf(RangeError);
  });

  it('runs on Redis 7.0: the script has no shebang flags', () => {
    expect(TOKEN_BUCKET_LUA.startsWith('#!')).toBe(false);
  });

  it('fails fast and closed while Redis is away, and recovers when it is back', async () => {
    const proxy = await startTcpProxy(new URL(TEST_REDIS_URL));
    const viaProxy = limiter({ url: proxy.url });
    expect((await viaProxy.consume('outage', rule)).allowed).toBe(true);

    await proxy.stop(); // connections cut, port closed: what a Redis crash looks like
    const during = await rejection(() => viaProxy.consume('outage', rule));
    expect(during.error).toBeInstanceOf(RateLimitStoreUnavailable);
    expect(during.ms).toBeLessThan(1500);
    const reset = await rejection(() => viaProxy.reset('outage'));
    expect(reset.error).toBeInstanceOf(RateLimitStoreUnavailable);

    await proxy.start();
    let result;
    for (let i = 0; i < 60 && !result; i++) {
      result = await viaProxy.consume('outage', rule).catch(() => new Promise((r) => setTimeout(r, 100)).then(() => undefined));
    }
    expect(result).toMatchObject({ allowed: true, remaining: 1 }); // the bucket survived the outage
    await proxy.stop();
  });
});

describe('RedisRateLimiter without a Redis', () => {
  it('throws RateLimitStoreUnavailable at once when nothing listens, without the URL or password', async () => {
    const l = limiter({ url: 'redis://:s3cret-pw@127.0.0.1:1' });
    for (let i = 0; i < 2; i++) {
      const { error, ms } = await rejection(() => l.consume('k', rule));
      expect(error).toBeInstanceOf(RateLimitStoreUnavailable);
      expect((error as RateLimitStoreUnavailable).backend).toBe('redis');
      expect((error as Error).message).not.toContain('s3cret-pw');
      expect(ms).toBeLessThan(2000);
    }
  });

  it('throws RateLimitStoreUnavailable within the timeout when the server accepts but never answers', async () => {
    const silent = net.createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const l = limiter({ url: `redis://127.0.0.1:${(silent.address() as AddressInfo).port}` });
      const { error, ms } = await rejection(() => l.consume('k', rule));
      expect(error).toBeInstanceOf(RateLimitStoreUnavailable);
      expect(ms).toBeLessThan(2000);
      await l.close();
    } finally {
      silent.close();
    }
  });
});
