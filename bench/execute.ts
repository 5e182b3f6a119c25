// Execute pipeline overhead: time per executeTool call excluding the upstream, measured on the
// built-in system/echo (resolve query, policy, validation, rate limit, concurrency slot, run +
// steps + audit write — everything but a network hop), and the same pipeline around a loopback
// MCP upstream beside a direct call to that upstream. Prints figures, asserts nothing.
//
//   npx tsx bench/execute.ts                                   # embedded PGlite + memory limiter
//   BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/postgres BENCH_REDIS_URL=redis://127.0.0.1:6379 \
//     npx tsx bench/execute.ts                                 # Postgres + Redis
//
// Optional: BENCH_CALLS (default 2000), BENCH_CONCURRENCY (default 16).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { closeDb, openEmbedded, openPostgres, setDbForTests } from '@/db/client';
import { connections } from '@/db/schema';
import { resetEnvCache } from '@/lib/env';
import { executeTool, type ExecuteCtx } from '@/lib/executor/execute';
import { createPolicy } from '@/lib/policy/service';
import { createPolicySchema } from '@/lib/policy/schemas';
import { closeRateLimiter } from '@/lib/ratelimit';
import { syncConnection } from '@/lib/tools/sync';
import { makeAgent, makeOrg } from '@/test/helpers/fixtures';
import { startTestMcpServer } from '@/test/helpers/mcp-server';

const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

type DbHandle = Awaited<ReturnType<typeof openEmbedded>>;

async function openDb(): Promise<DbHandle> {
  const serverUrl = process.env.BENCH_DATABASE_URL;
  if (!serverUrl) return openEmbedded(null);
  const { default: postgres } = await import('postgres');
  const name = `axs_bench_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openPostgres(url.toString());
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

/** Runs `calls` calls of `fn` with `concurrency` in flight; latency per call and calls/s. */
async function measure(calls: number, concurrency: number, fn: () => Promise<unknown>) {
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  let firstError = '';
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        next++;
        const t = performance.now();
        try {
          await fn();
        } catch (error) {
          failed++;
          firstError ||= error instanceof Error ? error.message : String(error);
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { median: pct(latencies, 50), p99: pct(latencies, 99), perSecond: calls / seconds, failed, firstError };
}

function row(label: string, m: Awaited<ReturnType<typeof measure>>) {
  const failures = m.failed ? `   ${m.failed} failed (first: ${m.firstError})` : '';
  console.log(
    `  ${label.padEnd(44)} median ${m.median.toFixed(2).padStart(7)} ms   p99 ${m.p99.toFixed(2).padStart(7)} ms   ${m.perSecond.toFixed(0).padStart(6)} calls/s${failures}`,
  );
}

async function main() {
  process.env.UPSTREAM_ALLOW_PRIVATE = 'true';
  process.env.LOG_LEVEL ??= 'silent';
  // The bench measures the pipeline, not the limits: buckets and the in-flight cap out of the way.
  process.env.RATE_LIMIT_CAPACITY = '1000000';
  process.env.RATE_LIMIT_REFILL_PER_SEC = '1000000';
  process.env.RUN_MAX_CONCURRENT_PER_AGENT = '10000';
  if (process.env.BENCH_REDIS_URL) process.env.REDIS_URL = process.env.BENCH_REDIS_URL;
  resetEnvCache();
  const handle = await openDb();
  setDbForTests(handle.db);
  const upstream = await startTestMcpServer({ tools: [{ name: 'echo', description: 'Echoes text' }] });
  try {
    const org = await makeOrg();
    const agent = await makeAgent(org);
    const [conn] = await handle.db
      .insert(connections)
      .values({ organizationId: org.id, environmentId: org.envId, name: 'bench', endpoint: upstream.url })
      .returning();
    await syncConnection(org.ownerCtx, conn!.id);
    await createPolicy(org.ownerCtx, createPolicySchema.parse({ name: 'bench', rules_json: { allow: ['system/echo', 'bench/echo'] } }));
    const ctx: ExecuteCtx = { ...org.owner.ctx, orgId: org.id };
    const call = (tool: string) => () =>
      executeTool(ctx, { agentId: agent.id, toolIdentifier: tool, input: { text: 'hello' }, via: 'rest', actingUserId: org.owner.id });

    const direct = new Client({ name: 'bench', version: '1' });
    await direct.connect(new StreamableHTTPClientTransport(new URL(upstream.url)));
    const directCall = () => direct.callTool({ name: 'echo', arguments: { text: 'hello' } });

    const where = `${process.env.BENCH_DATABASE_URL ? 'Postgres' : 'PGlite (in memory)'} + ${process.env.BENCH_REDIS_URL ? 'Redis' : 'memory'} rate limiter`;
    console.log(`execute pipeline: ${CALLS} calls per row, ${where}`);
    await measure(200, 4, call('system/echo')); // warm-up: validators, compiled policies, JIT
    await measure(100, 4, call('bench/echo'));
    await measure(100, 4, directCall);
    for (const concurrency of [1, CONCURRENCY]) {
      row(`system/echo (pipeline only), concurrency ${concurrency}`, await measure(CALLS, concurrency, call('system/echo')));
      row(`bench/echo via the pipeline, concurrency ${concurrency}`, await measure(Math.min(CALLS, 1000), concurrency, call('bench/echo')));
      row(`bench/echo called directly, concurrency ${concurrency}`, await measure(Math.min(CALLS, 1000), concurrency, directCall));
    }
    await direct.close();
  } finally {
    await upstream.close();
    await closeRateLimiter();
    await closeDb();
    await handle.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
