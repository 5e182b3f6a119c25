// The Lua token bucket with an explicit clock (ARGV[4]) on the real Redis: the same exact
// arithmetic memory.test.ts checks with an injected clock, and the reply parsing around it.
import Redis from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL, deleteKeysWithPrefix, describeWithRedis, testKeyPrefix } from './test-redis';
import { TOKEN_BUCKET_LUA, assertValidRequest, parseScriptReply, scriptArgs } from './token-bucket';
import type { BucketRule } from './types';

const prefix = testKeyPrefix();
const rule = { capacity: 3, refillPerSecond: 0.5 }; // a token every 2 s

await describeWithRedis('token-bucket.lua with an explicit clock', () => {
  const redis = new Redis(TEST_REDIS_URL, { disableClientInfo: true });
  afterAll(async () => {
    redis.disconnect();
    await deleteKeysWithPrefix(prefix);
  });

  function bucket(name: string) {
    let nowMs = 1_000_000_000_000;
    const key = prefix + name;
    return {
      consume: async (r: BucketRule = rule, cost = 1) =>
        parseScriptReply(await redis.eval(TOKEN_BUCKET_LUA, 1, key, ...scriptArgs(r, cost, nowMs * 1000))),
      advance: (ms: number) => void (nowMs += ms),
      pttl: () => redis.pttl(key),
    };
  }

  it('refills exactly on time, never beyond capacity', async () => {
    const b = bucket('exact');
    for (let i = 0; i < 3; i++) await b.consume();
    expect(await b.consume()).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 2 });
    b.advance(1_999);
    expect((await b.consume()).allowed).toBe(false);
    b.advance(1);
    expect(await b.consume()).toMatchObject({ allowed: true, remaining: 0 });
    expect((await b.consume()).allowed).toBe(false);
    b.advance(60_000);
    const after = [];
    for (let i = 0; i < 4; i++) after.push((await b.consume()).allowed);
    expect(after).toEqual([true, true, true, false]);
  });

  it('answers the wait for the whole cost, rounded up to seconds', async () => {
    const b = bucket('cost');
    expect(await b.consume(rule, 3)).toMatchObject({ allowed: true, remaining: 0 });
    b.advance(500); // 0.25 tokens: 2.75 missing for a cost of 3 → 5.5 s → 6
    expect(await b.consume(rule, 3)).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 6 });
  });

  it('does not mint tokens when the clock goes backwards', async () => {
    const b = bucket('backwards');
    for (let i = 0; i < 3; i++) await b.consume();
    b.advance(-10_000);
    expect((await b.consume()).allowed).toBe(false);
    b.advance(10_000); // back where it was: still nothing has been earned
    expect((await b.consume()).allowed).toBe(false);
    b.advance(2_000);
    expect((await b.consume()).allowed).toBe(true);
  });

  it('expires the key when the bucket would be full again', async () => {
    const b = bucket('expiry');
    await b.consume(rule, 2); // two tokens short: 4 s
    expect(await b.pttl()).toBeGreaterThan(3_900);
    expect(await b.pttl()).toBeLessThanOrEqual(4_000);
  });
});

describe('token-bucket helpers', () => {
  it('parses allowed, refused and never-refilling replies', () => {
    expect(parseScriptReply([1, 4, 0])).toEqual({ allowed: true, remaining: 4, retryAfterSeconds: 0 });
    expect(parseScriptReply([0, 0, 1])).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
    expect(parseScriptReply([0, 0, 2001])).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 3 });
    expect(parseScriptReply([0, 0, -1])).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: Infinity });
    expect(parseScriptReply(['1', '2', '0'])).toEqual({ allowed: true, remaining: 2, retryAfterSeconds: 0 });
  });

  it('refuses replies of another shape', () => {
    for (const reply of [null, 'OK', [1, 2], [1, 'x', 0]]) expect(() => parseScriptReply(reply)).toThrow(/unexpected/);
  });

  it('refuses impossible rules and costs with a RangeError', () => {
    expect(() => assertValidRequest({ capacity: 1, refillPerSecond: 0 }, 0)).not.toThrow();
    for (const [r, cost] of [
      [{ capacity: Infinity, refillPerSecond: 1 }, 1],
      [{ capacity: 1, refillPerSecond: -1 }, 1],
      [{ capacity: 1, refillPerSecond: 1 }, Number.NaN],
    ] as const) {
      expect(() => assertValidRequest(r, cost)).toThrow(RangeError);
    }
  });
});
