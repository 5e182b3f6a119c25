// The audit hash chain. recordAudit inserts events unchained, inside the transaction of the change
// they describe, so writers never wait on one another. The chainer links them afterwards: one
// chain per organization (key = the organization id) plus one "instance" chain for events without
// an organization. Each event gets seq (1, 2, … without gaps), prev_hash (the previous event's
// hash; '' for event 1) and canonical (lib/audit/canonical.ts, which covers seq and prev_hash);
// hash = sha256_hex(canonical). The head of each chain lives in audit_chain_heads.
//
// Chain order is the order in which events were chained: pending events are taken by (ts, id),
// but an event committed late by a long transaction lands after events already chained, even if
// its ts is older. seq, not ts, is the chain's order.
//
// The database refuses edits and deletions of events (migration 0002_audit_append_only); the
// chain is what catches a superuser who bypasses that: verifyChain re-checks every link, every
// hash and every row's current values against its canonical text. Removing events from the end
// *and* rewriting the head is the one edit a chain alone cannot see — anchor the head elsewhere
// (e.g. keep the verify endpoint's last_seq/hash in an external log) to close that gap.
import { and, asc, eq, gt, isNotNull, isNull, lte, sql, type SQL } from 'drizzle-orm';
import { getDb, type Db } from '@/db/client';
import { auditChainHeads, auditEvents, organizations } from '@/db/schema';
import { logger } from '@/lib/observability/logger';
import { isUuid } from '@/lib/tenancy/access';
import { CANONICAL_KEYS, GENESIS_HASH, canonicalText, canonicalTs, sha256Hex, stableJson } from './canonical';
import { onAuditWrite } from './record';

export { GENESIS_HASH };

/** The chain of events without an organization. */
export const INSTANCE_CHAIN = 'instance';
/** Events linked per transaction: bounds lock time and statement size. */
export const CHAIN_BATCH_SIZE = 500;
const VERIFY_PAGE_SIZE = 500;

export const chainKeyOf = (organizationId: string | null): string => organizationId ?? INSTANCE_CHAIN;

/** ts with microseconds, in UTC: the exact stored value, whatever the session time zone. */
export const TS_TEXT = sql<string>`to_char(${auditEvents.ts} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const chainColumns = {
  id: auditEvents.id,
  organizationId: auditEvents.organizationId,
  eventType: auditEvents.eventType,
  eventData: auditEvents.eventData,
  subject: auditEvents.subject,
  action: auditEvents.action,
  target: auditEvents.target,
  decision: auditEvents.decision,
  ruleId: auditEvents.ruleId,
  context: auditEvents.context,
  seq: auditEvents.seq,
  prevHash: auditEvents.prevHash,
  hash: auditEvents.hash,
  canonical: auditEvents.canonical,
  tsText: TS_TEXT,
};

interface ChainRow {
  id: string;
  organizationId: string | null;
  eventType: string;
  eventData: Record<string, unknown>;
  subject: string | null;
  action: string;
  target: string | null;
  decision: string | null;
  ruleId: string | null;
  context: Record<string, unknown>;
  seq: number | null;
  prevHash: string | null;
  hash: string | null;
  canonical: string | null;
  tsText: string;
}

function assertChainKey(chainKey: string): void {
  if (chainKey !== INSTANCE_CHAIN && !isUuid(chainKey)) throw new Error(`not an audit chain key: ${chainKey}`);
}

function inChain(chainKey: string): SQL {
  return chainKey === INSTANCE_CHAIN
    ? isNull(auditEvents.organizationId)
    : eq(auditEvents.organizationId, chainKey.toLowerCase());
}

/** The canonical text of a row as its columns read now, at the given chain position. */
function canonicalOf(row: ChainRow, seq: number, prevHash: string): string {
  return canonicalText({ ...row, seq, prevHash, ts: canonicalTs(row.tsText) });
}

/** The chains that have events waiting to be linked. */
export async function pendingChainKeys(db: Db): Promise<string[]> {
  const rows = await db
    .selectDistinct({ organizationId: auditEvents.organizationId })
    .from(auditEvents)
    .where(isNull(auditEvents.hash));
  return rows.map((r) => chainKeyOf(r.organizationId));
}

/**
 * Links the pending events of one chain (or of every chain with pending events) and returns how
 * many were linked. Safe to run from several processes at once: each batch locks its chain head.
 */
export async function chainPending(db: Db, chainKey?: string): Promise<number> {
  const keys = chainKey === undefined ? await pendingChainKeys(db) : [chainKey];
  let total = 0;
  for (const key of keys) {
    assertChainKey(key);
    for (;;) {
      const linked = await chainBatch(db, key.toLowerCase());
      total += linked;
      if (linked < CHAIN_BATCH_SIZE) break;
    }
  }
  return total;
}

/** One transaction: lock the head, link up to CHAIN_BATCH_SIZE events, move the head. */
async function chainBatch(db: Db, chainKey: string): Promise<number> {
  return db.transaction(async (tx) => {
    if (chainKey !== INSTANCE_CHAIN) {
      // The organization row first: deleting an organization also starts there (then its events
      // by cascade, then its head by trigger), and the two locks conflict, so a chainer and a
      // deletion queue up instead of deadlocking over events and head. A deleted organization has
      // no events left to chain.
      const [org] = await tx
        .select({ id: organizations.id })
        .from(organizations)
        .where(eq(organizations.id, chainKey))
        .for('key share');
      if (!org) return 0;
    }
    await tx.insert(auditChainHeads).values({ chainKey }).onConflictDoNothing();
    const [head] = await tx.select().from(auditChainHeads).where(eq(auditChainHeads.chainKey, chainKey)).for('update');
    if (!head) throw new Error(`audit chain head ${chainKey} vanished`);
    const pending: ChainRow[] = await tx
      .select(chainColumns)
      .from(auditEvents)
      .where(and(inChain(chainKey), isNull(auditEvents.hash)))
      .orderBy(asc(auditEvents.ts), asc(auditEvents.id))
      .limit(CHAIN_BATCH_SIZE);
    if (pending.length === 0) return 0;

    let seq = head.lastSeq;
    let prevHash = head.lastHash;
    const links = pending.map((row) => {
      seq += 1;
      const canonical = canonicalOf(row, seq, prevHash);
      const link = { id: row.id, seq, prevHash, hash: sha256Hex(canonical), canonical };
      prevHash = link.hash;
      return link;
    });
    // One statement for the whole batch, its rows in one jsonb parameter (cheaper to parse and
    // plan than a VALUES list of 5 parameters per event).
    const rows = JSON.stringify(
      links.map((l) => ({ id: l.id, seq: l.seq, prev_hash: l.prevHash, hash: l.hash, canonical: l.canonical })),
    );
    const updated = await tx.execute(sql`
      update ${auditEvents} as e
         set seq = v.seq, prev_hash = v.prev_hash, hash = v.hash, canonical = v.canonical
        from jsonb_to_recordset(${rows}::text::jsonb) as v(id uuid, seq bigint, prev_hash text, hash text, canonical text)
       where e.id = v.id and e.hash is null
      returning e.id`);
    const count = rowCount(updated);
    if (count !== links.length) {
      // Cannot happen while every chainer holds the head lock; refuse to leave a gap if it does.
      throw new Error(`audit chain ${chainKey}: linked ${count} of ${links.length} events, rolled back`);
    }
    await tx
      .update(auditChainHeads)
      .set({ lastSeq: seq, lastHash: prevHash, updatedAt: new Date() })
      .where(eq(auditChainHeads.chainKey, chainKey));
    return links.length;
  });
}

/** Rows returned by db.execute: an array (postgres-js) or {rows} (PGlite). */
function rowCount(result: unknown): number {
  if (Array.isArray(result)) return result.length;
  return (result as { rows?: unknown[] }).rows?.length ?? 0;
}

export interface ChainBreak {
  seq: number;
  /** The event at that position; null when the event is missing. */
  event_id: string | null;
  reason: string;
}

export interface ChainVerification {
  valid: boolean;
  /** Events verified intact (up to the first break). */
  checked: number;
  /** The chain's length according to its head. */
  last_seq: number;
  first_break: ChainBreak | null;
}

const missing = (from: number, to: number) =>
  from === to ? `event ${from} is missing` : `events ${from} to ${to} are missing`;

/**
 * Links pending events, then walks the chain in seq order, a page at a time: positions must run
 * 1, 2, 3… up to the head; each prev_hash must equal the previous event's hash; each hash must be
 * sha256(canonical); and each canonical text must still describe the row's current columns.
 * Stops at the first break and says where and why.
 */
export async function verifyChain(db: Db, chainKey: string): Promise<ChainVerification> {
  assertChainKey(chainKey);
  const key = chainKey.toLowerCase();
  await chainPending(db, key);
  const [head] = await db.select().from(auditChainHeads).where(eq(auditChainHeads.chainKey, key));
  const headSeq = head?.lastSeq ?? 0;
  const headHash = head?.lastHash ?? GENESIS_HASH;

  let checked = 0;
  let expected = 1;
  let prevHash = GENESIS_HASH;
  let lastId: string | null = null;
  const broken = (first_break: ChainBreak): ChainVerification => ({ valid: false, checked, last_seq: headSeq, first_break });

  for (;;) {
    const page: ChainRow[] = await db
      .select(chainColumns)
      .from(auditEvents)
      .where(
        and(
          inChain(key),
          isNotNull(auditEvents.seq),
          expected > 1 ? gt(auditEvents.seq, expected - 1) : undefined,
          lte(auditEvents.seq, headSeq),
        ),
      )
      .orderBy(asc(auditEvents.seq))
      .limit(VERIFY_PAGE_SIZE);
    for (const row of page) {
      const seq = row.seq as number;
      if (seq !== expected) {
        if (seq < expected) {
          return broken({ seq, event_id: row.id, reason: `event ${seq} has an invalid position (expected ${expected})` });
        }
        const jump = expected === 1 ? `the chain starts at ${seq}` : `chain jumps from ${expected - 1} to ${seq}`;
        return broken({ seq: expected, event_id: null, reason: `${missing(expected, seq - 1)} (${jump})` });
      }
      const problem = rowProblem(row, prevHash);
      if (problem) return broken({ seq, event_id: row.id, reason: problem });
      prevHash = row.hash as string;
      lastId = row.id;
      checked += 1;
      expected += 1;
    }
    if (page.length < VERIFY_PAGE_SIZE) break;
  }

  const lastSeq = expected - 1;
  if (lastSeq < headSeq) {
    return broken({
      seq: expected,
      event_id: null,
      reason: `${missing(expected, headSeq)} (the chain ends at ${lastSeq} but its head is at ${headSeq})`,
    });
  }
  if (prevHash !== headHash) {
    return broken({
      seq: lastSeq,
      event_id: lastId,
      reason: `the chain head does not match event ${lastSeq} (the event or the head was altered)`,
    });
  }
  return { valid: true, checked, last_seq: headSeq, first_break: null };
}

/** Why a chained row fails verification, or null when it is intact. */
function rowProblem(row: ChainRow, prevHash: string): string | null {
  const seq = row.seq as number;
  if (row.hash === null || row.canonical === null || row.prevHash === null) {
    return `event ${seq} has lost its chain fields`;
  }
  if (sha256Hex(row.canonical) !== row.hash) {
    return `event ${seq} does not match its hash (its canonical text or hash was altered)`;
  }
  if (row.prevHash !== prevHash) {
    return seq === 1
      ? `event 1 does not start the chain (its prev_hash is not the genesis value)`
      : `event ${seq} does not link to event ${seq - 1} (prev_hash differs from that event's hash: one of them was altered or replaced)`;
  }
  const current = canonicalOf(row, seq, row.prevHash);
  if (current !== row.canonical) {
    const fields = changedFields(row.canonical, current);
    return `event ${seq} was changed after it was recorded${fields.length ? ` (${fields.join(', ')} differ${fields.length === 1 ? 's' : ''})` : ''}`;
  }
  return null;
}

/** The top-level canonical fields whose values differ between two canonical texts. */
function changedFields(recorded: string, current: string): string[] {
  let before: Record<string, unknown>;
  try {
    before = JSON.parse(recorded) as Record<string, unknown>;
  } catch {
    return [];
  }
  const now = JSON.parse(current) as Record<string, unknown>;
  return CANONICAL_KEYS.filter((k) => stableJson(before[k]) !== stableJson(now[k]));
}

// ── The process-wide scheduler ──────────────────────────────────────────────────────────────
// A write schedules its chain a few milliseconds later (a burst of writes becomes one run); a
// sweep every couple of seconds links whatever is left: events written by other instances,
// events whose transaction committed after the scheduled run, and the leftovers of a crash or
// of a failed run. Failures are logged and retried by the next sweep, never thrown at writers.

interface ChainerState {
  started: boolean;
  delayMs: number;
  sweepTimer?: ReturnType<typeof setInterval>;
  scheduled: Map<string, ReturnType<typeof setTimeout>>;
  running: Map<string, Promise<void>>;
  again: Set<string>;
  sweeping?: Promise<void>;
}

// On globalThis, so hot reload in `next dev` does not start a second scheduler.
const g = globalThis as unknown as { __axsAuditChainer?: ChainerState };
const state: ChainerState = (g.__axsAuditChainer ??= {
  started: false,
  delayMs: 200,
  scheduled: new Map(),
  running: new Map(),
  again: new Set(),
});

export interface ChainerOptions {
  /** Delay between a write and the run that links it (coalesces bursts). */
  delayMs?: number;
  /** Period of the sweep over all chains. */
  sweepMs?: number;
}

export function startAuditChainer(options: ChainerOptions = {}): void {
  if (state.started) return;
  state.started = true;
  // 200 ms: long enough that a busy gateway's runs are linked in batches (one chaining
  // transaction per burst rather than per run), short enough that the trail reads linked at once.
  state.delayMs = options.delayMs ?? 200;
  onAuditWrite((organizationId) => schedule(chainKeyOf(organizationId)));
  state.sweepTimer = setInterval(() => void sweep(), options.sweepMs ?? 2000);
  state.sweepTimer.unref();
  void sweep();
}

/** Stops scheduling and waits for runs in progress. */
export async function stopAuditChainer(): Promise<void> {
  state.started = false;
  onAuditWrite(() => {});
  if (state.sweepTimer) clearInterval(state.sweepTimer);
  state.sweepTimer = undefined;
  for (const timer of state.scheduled.values()) clearTimeout(timer);
  state.scheduled.clear();
  state.again.clear();
  await Promise.allSettled([...state.running.values(), state.sweeping]);
}

function schedule(chainKey: string): void {
  if (!state.started || state.scheduled.has(chainKey)) return;
  const timer = setTimeout(() => {
    state.scheduled.delete(chainKey);
    void runChain(chainKey);
  }, state.delayMs);
  timer.unref();
  state.scheduled.set(chainKey, timer);
}

/** Runs one chain; a request while it runs makes it run once more afterwards. */
function runChain(chainKey: string): Promise<void> {
  const current = state.running.get(chainKey);
  if (current) {
    state.again.add(chainKey);
    return current;
  }
  const run = (async () => {
    do {
      state.again.delete(chainKey);
      try {
        await chainPending(await getDb(), chainKey);
      } catch (error) {
        logger().warn({ err: error, chain: chainKey }, 'audit chaining failed; the next sweep retries');
        return;
      }
    } while (state.again.has(chainKey) && state.started);
  })().finally(() => state.running.delete(chainKey));
  state.running.set(chainKey, run);
  return run;
}

function sweep(): Promise<void> {
  if (state.sweeping) return state.sweeping;
  state.sweeping = (async () => {
    try {
      const keys = await pendingChainKeys(await getDb());
      for (const key of keys) {
        if (!state.started) break;
        await runChain(key);
      }
    } catch (error) {
      logger().warn({ err: error }, 'audit chain sweep failed; retrying on the next one');
    }
  })().finally(() => {
    state.sweeping = undefined;
  });
  return state.sweeping;
}
