// Audit trail throughput: how fast events can be written, how fast the chainer links them, and
// what chaining costs a writer. Prints figures, asserts nothing.
//
//   npx tsx bench/audit-append.ts                 # embedded PGlite, in memory
//   BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/postgres npx tsx bench/audit-append.ts
//                                                 # …and Postgres too (a fresh database, dropped after)
//
// Optional: BENCH_EVENTS (events per writer figure, default 4000), BENCH_BACKLOG (pending events
// for the chaining figures, default 20000).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { closeDb, openEmbedded, openPostgres, setDbForTests, type Db } from '@/db/client';
import { organizations } from '@/db/schema';
import { chainPending, startAuditChainer, stopAuditChainer, verifyChain } from '@/lib/audit/chain';
import { recordAudit } from '@/lib/audit/record';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 4000);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 20000);

const writer = {
  actor: { kind: 'user' as const, userId: '00000000-0000-4000-8000-000000000001', email: 'bench@example.com', isInstanceAdmin: false, via: 'api_token' as const },
  requestId: 'bench-request',
  clientKey: 'bench',
};

function event(orgId: string, i: number) {
  return {
    organizationId: orgId,
    action: 'tool.invoke',
    eventType: 'run_succeeded',
    target: `tool:bench/echo-${i % 17}`,
    decision: 'allow' as const,
    data: { run_id: `r-${i}`, duration_ms: i % 250, tool: 'echo', args: ['a', 'b'] },
  };
}

async function newOrg(db: Db, name: string): Promise<string> {
  const [org] = await db.insert(organizations).values({ name: `${name}-${randomBytes(4).toString('hex')}` }).returning();
  return org!.id;
}

const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString('en-US')} events/s`;
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** `writers` concurrent loops writing `total` events between them. */
async function writeEvents(db: Db, orgId: string, total: number, writers: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < total) await recordAudit(db, writer, event(orgId, next++));
    }),
  );
  return performance.now() - started;
}

async function backlog(db: Db, orgId: string, n: number): Promise<void> {
  await db.execute(sql`
    insert into audit_events (organization_id, action, event_type, target, decision, subject, event_data, context)
    select ${orgId}::uuid, 'tool.invoke', 'run_succeeded', 'tool:bench/echo', 'allow', 'user:bench',
           jsonb_build_object('run_id', 'r-' || g, 'duration_ms', g % 250), '{"request_id":"bench"}'::jsonb
      from generate_series(1, ${n}) as g`);
}

async function latencies(db: Db, orgId: string, until: () => boolean, max: number): Promise<number[]> {
  const samples: number[] = [];
  let i = 0;
  while (!until() && samples.length < max) {
    const t0 = performance.now();
    await recordAudit(db, writer, event(orgId, i++));
    samples.push(performance.now() - t0);
  }
  return samples.sort((a, b) => a - b);
}

async function bench(label: string, db: Db): Promise<void> {
  console.log(`\n== ${label} ==`);
  // Warm-up: first queries prepare plans and fill caches.
  const warm = await newOrg(db, 'warm');
  await writeEvents(db, warm, 200, 1);
  await chainPending(db, warm);

  // (1) recordAudit throughput, chainer off.
  for (const writers of [1, 20]) {
    const org = await newOrg(db, `w${writers}`);
    const ms = await writeEvents(db, org, EVENTS, writers);
    console.log(`(1) recordAudit, ${String(writers).padStart(2)} writer(s), one org: ${rate(EVENTS, ms)}  (${EVENTS} events in ${fmt(ms)})`);
  }

  // (1b) the same with the live chainer (write-triggered runs + sweep), as in production.
  setDbForTests(db); // the scheduler reaches the database through getDb()
  startAuditChainer();
  {
    const org = await newOrg(db, 'live');
    const ms = await writeEvents(db, org, EVENTS, 20);
    const t0 = performance.now();
    await chainPending(db, org); // whatever the chainer has not linked yet
    const tail = performance.now() - t0;
    console.log(`(1b) recordAudit, 20 writers, chainer running: ${rate(EVENTS, ms)}; remaining backlog linked ${fmt(tail)} after the last write`);
  }
  await stopAuditChainer();

  // (2) chaining throughput over a backlog.
  {
    const org = await newOrg(db, 'chain');
    await backlog(db, org, BACKLOG);
    const t0 = performance.now();
    const linked = await chainPending(db, org);
    const ms = performance.now() - t0;
    console.log(`(2) chainPending: ${rate(linked, ms)}  (${linked} events in ${fmt(ms)}, batches of 500)`);
    const v0 = performance.now();
    const result = await verifyChain(db, org);
    const vms = performance.now() - v0;
    console.log(`    verifyChain: ${rate(result.checked, vms)}  (${result.checked} events, valid=${result.valid})`);
  }

  // (3) latency of a single recordAudit: alone, then while chaining runs on a backlog.
  {
    const org = await newOrg(db, 'lat');
    const idle = await latencies(db, org, () => false, 1000);
    console.log(`(3) recordAudit latency, idle:            p50 ${fmt(percentile(idle, 50))}  p99 ${fmt(percentile(idle, 99))}  (n=${idle.length})`);
    const busy = await newOrg(db, 'busy');
    await backlog(db, busy, BACKLOG);
    let done = false;
    const chaining = chainPending(db, busy).finally(() => {
      done = true;
    });
    // Same org as the chain being linked, so writers and chainer touch the same index pages.
    const during = await latencies(db, busy, () => done, 100_000);
    await chaining;
    console.log(`    recordAudit latency, while chaining: p50 ${fmt(percentile(during, 50))}  p99 ${fmt(percentile(during, 99))}  (n=${during.length})`);
  }
}

async function main(): Promise<void> {
  console.log(`audit append benchmark — node ${process.version}, ${EVENTS} events per write figure, backlog ${BACKLOG}`);
  const embedded = await openEmbedded(null);
  try {
    await bench('PGlite (in-memory)', embedded.db);
  } finally {
    await closeDb();
    await embedded.close();
  }

  const serverUrl = process.env.BENCH_DATABASE_URL;
  if (!serverUrl) {
    console.log('\n(BENCH_DATABASE_URL not set: Postgres skipped)');
    return;
  }
  const { default: postgres } = await import('postgres');
  const name = `axs_bench_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  try {
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const handle = await openPostgres(url.toString());
    try {
      await bench(`Postgres (${url.host}, pool of 10)`, handle.db);
    } finally {
      await closeDb();
      await handle.close();
    }
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

await main();
