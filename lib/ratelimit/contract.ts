// The behaviour every RateLimiter backend shares, as one vitest suite run against memory, Redis and
// Upstash (through test/helpers/upstash-rest.ts). Real time (the stores use Redis' clock), so
// refills use fast rates and short waits; memory.test.ts covers the exact arithmetic with an
// injected clock. Every case uses fresh keys, so backends sharing one store need no cleanup
// between cases. Test-only: imported by *.test.ts files, never by the application.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RateLimiter } from './types';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function describeRateLimiterContract(backend: string, limiter: () => RateLimiter): void {
  const fresh = () => `contract:${randomUUID()}`;

  describe(`RateLimiter contract: ${backend}`, () => {
    it('spends the capacity, then refuses with a Retry-After of at least one second', async () => {
      const key = fresh();
      const rule = { capacity: 3, refillPerSecond: 0.5 }; // a token every 2 s
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await limiter().consume(key, rule));
      expect(results.map((r) => r.allowed)).toEqual([true, true, true]);
      expect(results.map((r) => r.remaining)).toEqual([2, 1, 0]);
      expect(results.every((r) => r.retryAfterSeconds === 0)).toBe(true);
      expect(await limiter().consume(key, rule)).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 2 });
    });

    it('never answers a Retry-After below one second, even for a fast refill', async () => {
      const key = fresh();
      const fast = { capacity: 1, refillPerSecond: 2 };
      expect((await limiter().consume(key, fast)).allowed).toBe(true);
      const refused = await limiter().consume(key, fast);
      expect(refused).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
    });

    it('refills with time, but never beyond capacity', async () => {
      const key = fresh();
      const rule = { capacity: 2, refillPerSecond: 5 }; // a token every 200 ms
      expect((await limiter().consume(key, rule)).allowed).toBe(true);
      expect((await limiter().consume(key, rule)).allowed).toBe(true);
      expect((await limiter().consume(key, rule)).allowed).toBe(false);
      await sleep(250);
      expect(await limiter().consume(key, rule)).toMatchObject({ allowed: true, remaining: 0 });
      expect((await limiter().consume(key, rule)).allowed).toBe(false);
      await sleep(600); // three tokens' worth: the bucket holds two
      const after = [];
      for (let i = 0; i < 3; i++) after.push((await limiter().consume(key, rule)).allowed);
      expect(after).toEqual([true, true, false]);
    });

    it('charges a cost of several tokens, all or none', async () => {
      const key = fresh();
      const rule = { capacity: 3, refillPerSecond: 0.5 };
      expect(await limiter().consume(key, rule, 2)).toMatchObject({ allowed: true, remaining: 1 });
      expect(await limiter().consume(key, rule, 2)).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 2 });
      expect(await limiter().consume(key, rule, 1)).toMatchObject({ allowed: true, remaining: 0 });
    });

    it('reset() gives the key its full capacity back', async () => {
      const key = fresh();
      const rule = { capacity: 3, refillPerSecond: 0.5 };
      for (let i = 0; i < 3; i++) await limiter().consume(key, rule);
      expect((await limiter().consume(key, rule)).allowed).toBe(false);
      await limiter().reset(key);
      expect(await limiter().consume(key, rule)).toMatchObject({ allowed: true, remaining: 2 });
      await limiter().reset(fresh()); // resetting an unknown key is fine
    });

    it('keeps keys independent', async () => {
      const [a, b] = [fresh(), fresh()];
      const rule = { capacity: 3, refillPerSecond: 0.5 };
      for (let i = 0; i < 3; i++) await limiter().consume(a, rule);
      expect((await limiter().consume(a, rule)).allowed).toBe(false);
      expect(await limiter().consume(b, rule)).toMatchObject({ allowed: true, remaining: 2 });
      await limiter().reset(b);
      expect((await limiter().consume(a, rule)).allowed).toBe(false);
    });

    it('never reports more than the capacity when a rule shrinks', async () => {
      const key = fresh();
      expect(await limiter().consume(key, { capacity: 10, refillPerSecond: 1 })).toMatchObject({ remaining: 9 });
      expect(await limiter().consume(key, { capacity: 3, refillPerSecond: 1 })).toMatchObject({ allowed: true, remaining: 2 });
    });

    it('with no refill, an empty bucket stays empty and says so (Retry-After Infinity)', async () => {
      const key = fresh();
      const rule = { capacity: 1, refillPerSecond: 0 };
      expect((await limiter().consume(key, rule)).allowed).toBe(true);
      expect(await limiter().consume(key, rule)).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: Infinity });
    });

    it('lets exactly 10 of 50 simultaneous requests through a bucket of 10 with no refill', async () => {
      const key = fresh();
      const rule = { capacity: 10, refillPerSecond: 0 };
      const results = await Promise.all(Array.from({ length: 50 }, () => limiter().consume(key, rule)));
      const allowed = results.filter((r) => r.allowed);
      expect(allowed).toHaveLength(10);
      // Each token was handed out once: the remaining counts are 9..0, each exactly once.
      expect(allowed.map((r) => r.remaining).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect((await limiter().consume(key, rule)).allowed).toBe(false);
    });
  });
}
