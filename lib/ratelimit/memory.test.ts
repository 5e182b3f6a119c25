// The in-process token bucket, driven by an injected clock so refills are exact.
import { describe, expect, it } from 'vitest';
import { describeRateLimiterContract } from './contract';
import { MemoryRateLimiter } from './memory';

const rule = { capacity: 3, refillPerSecond: 0.5 }; // a token every 2 s

function limiterWithClock() {
  let now = 1_000_000;
  const limiter = new MemoryRateLimiter(() => now);
  return { limiter, advance: (ms: number) => void (now += ms) };
}

describe('MemoryRateLimiter', () => {
  it('spends the capacity, then refuses with a Retry-After of at least one second', async () => {
    const { limiter } = limiterWithClock();
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await limiter.consume('k', rule));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true]);
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0]);
    expect(results.every((r) => r.retryAfterSeconds === 0)).toBe(true);

    const refused = await limiter.consume('k', rule);
    expect(refused).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 2 });
  });

  it('never answers a Retry-After below one second, even for a fast refill', async () => {
    const { limiter } = limiterWithClock();
    const fast = { capacity: 1, refillPerSecond: 100 };
    await limiter.consume('k', fast);
    const refused = await limiter.consume('k', fast);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it('refills with time, but never beyond capacity', async () => {
    const { limiter, advance } = limiterWithClock();
    for (let i = 0; i < 3; i++) await limiter.consume('k', rule);
    advance(1_999);
    expect((await limiter.consume('k', rule)).allowed).toBe(false);
    advance(1); // 2 s since the bucket emptied: one token
    expect(await limiter.consume('k', rule)).toMatchObject({ allowed: true, remaining: 0 });
    expect((await limiter.consume('k', rule)).allowed).toBe(false);

    advance(60_000); // far more than needed to fill
    const after = [];
    for (let i = 0; i < 4; i++) after.push((await limiter.consume('k', rule)).allowed);
    expect(after).toEqual([true, true, true, false]);
  });

  it('charges a cost of several tokens', async () => {
    const { limiter } = limiterWithClock();
    expect(await limiter.consume('k', rule, 2)).toMatchObject({ allowed: true, remaining: 1 });
    const refused = await limiter.consume('k', rule, 2);
    expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 2 });
  });

  it('reset() gives the key its full capacity back', async () => {
    const { limiter } = limiterWithClock();
    for (let i = 0; i < 3; i++) await limiter.consume('k', rule);
    expect((await limiter.consume('k', rule)).allowed).toBe(false);
    await limiter.reset('k');
    expect(await limiter.consume('k', rule)).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('keeps keys independent', async () => {
    const { limiter } = limiterWithClock();
    for (let i = 0; i < 3; i++) await limiter.consume('agent-a:tool', rule);
    expect((await limiter.consume('agent-a:tool', rule)).allowed).toBe(false);
    expect(await limiter.consume('agent-b:tool', rule)).toMatchObject({ allowed: true, remaining: 2 });
    await limiter.reset('agent-b:tool');
    expect((await limiter.consume('agent-a:tool', rule)).allowed).toBe(false);
  });

  it('does not mint tokens when the clock goes backwards', async () => {
    const { limiter, advance } = limiterWithClock();
    for (let i = 0; i < 3; i++) await limiter.consume('k', rule);
    advance(-10_000);
    expect((await limiter.consume('k', rule)).allowed).toBe(false);
  });
});

// The behaviour every backend shares (contract.ts), here on the real clock.
const realTime = new MemoryRateLimiter();
describeRateLimiterContract('memory', () => realTime);
