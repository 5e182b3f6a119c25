// Rate-limit consume latency per backend: one consume at a time (median, p99) and a burst of
// concurrent consumes (throughput). Memory always; Redis and the Upstash path (through the local
// REST stand-in test/helpers/upstash-rest.ts, so HTTP + JSON + an extra hop on this machine, not
// Upstash's network) when BENCH_REDIS_URL is set. Prints figures, asserts nothing.
//
//   npx tsx bench/ratelimit.ts
//   BENCH_REDIS_URL=redis://127.0.0.1:6379 npx tsx bench/ratelimit.ts
//
// Optional: BENCH_ITERATIONS (sequential consumes, default 2000), BENCH_CONCURRENCY (default 50).
// Keys live under a throwaway prefix and are deleted afterwards.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';
import { MemoryRateLimiter } from '@/lib/ratelimit/memory';
import { RedisRateLimiter } from '@/lib/ratelimit/redis';
import type { RateLimiter } from '@/lib/ratelimit/types';
import { UpstashRateLimiter } from '@/lib/ratelimit/upstash';
import { startUpstashRestAdapter } from '@/test/helpers/upstash-rest';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const REDIS_URL = process.env.BENCH_REDIS_URL;
const prefix = `axs-bench:rl:${randomUUID().slice(0, 8)}:`;
const rule = { capacity: 1_000_000, refillPerSecond: 1000 };

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function measure(name: string, limiter: RateLimiter): Promise<void> {
  for (let i = 0; i < 50; i++) await limiter.consume(`warm:${i % 5}`, rule); // connections, script cache
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const started = performance.now();
    await limiter.consume(`seq:${i % 100}`, rule);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const total = ITERATIONS;
  const started = performance.now();
  for (let done = 0; done < total; done += CONCURRENCY) {
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => limiter.consume(`burst:${(done + i) % 100}`, rule)));
  }
  const perSecond = total / ((performance.now() - started) / 1000);
  const ms = (v: number) => `${v < 0.1 ? v.toFixed(4) : v.toFixed(3)} ms`;
  console.log(
    `${name.padEnd(18)} sequential: median ${ms(quantile(samples, 0.5))}, p99 ${ms(quantile(samples, 0.99))}` +
      ` | ${CONCURRENCY} concurrent: ${Math.round(perSecond).toLocaleString('en')} consumes/s`,
  );
}

async function main(): Promise<void> {
  console.log(`consume() latency, ${ITERATIONS} sequential calls, then ${ITERATIONS} in bursts of ${CONCURRENCY}`);
  await measure('memory', new MemoryRateLimiter());
  if (!REDIS_URL) {
    console.log('(set BENCH_REDIS_URL for the Redis and Upstash-adapter figures)');
    return;
  }
  const redis = new RedisRateLimiter({ url: REDIS_URL, prefix });
  const adapter = await startUpstashRestAdapter({ redisUrl: REDIS_URL });
  try {
    await measure('redis', redis);
    await measure('upstash (adapter)', new UpstashRateLimiter({ url: adapter.url, token: adapter.token, prefix }));
  } finally {
    await redis.close();
    await adapter.close();
    const cleanup = new Redis(REDIS_URL, { disableClientInfo: true });
    let cursor = '0';
    do {
      const [next, keys] = await cleanup.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await cleanup.del(...keys);
    } while (cursor !== '0');
    cleanup.disconnect();
  }
}

await main();
