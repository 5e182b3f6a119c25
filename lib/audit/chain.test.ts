// The audit hash chain on a real database: linking, concurrency, independent chains, tamper
// detection, and the append-only trigger (including the organization-delete cascade).
import { randomUUID } from 'node:crypto';
import { asc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditChainHeads, auditEvents, organizations } from '@/db/schema';
import { setupTestDb } from '@/test/helpers/db';
import { GENESIS_HASH, canonicalText, sha256Hex, stableJson } from './canonical';
import { INSTANCE_CHAIN, chainPending, startAuditChainer, stopAuditChainer, verifyChain } from './chain';
import { recordAudit, type AuditInput } from './record';

const testDb = setupTestDb();

const writer = { actor: { kind: 'anonymous' as const }, requestId: 'req-test', clientKey: 'test' };

async function newOrg(db: Db): Promise<string> {
  const [org] = await db.insert(organizations).values({ name: `org-${randomUUID()}` }).returning();
  return org!.id;
}

function event(organizationId: string | null, n: number, extra: Partial<AuditInput> = {}): AuditInput {
  return {
    organizationId,
    action: 'agent.create',
    eventType: 'agent_created',
    target: `agent:${n}`,
    data: { n, name: `agent ${n}` },
    ...extra,
  };
}

async function record(db: Db, orgId: string | null, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) await recordAudit(db, writer, event(orgId, i));
}

async function chainOf(db: Db, orgId: string | null) {
  return db
    .select()
    .from(auditEvents)
    .where(orgId ? eq(auditEvents.organizationId, orgId) : isNull(auditEvents.organizationId))
    .orderBy(asc(auditEvents.seq));
}

/** What a database superuser can do: edit behind the trigger's back. This is what the chain is for. */
async function tamper(db: Db, statement: SQL): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await tx.execute(statement);
  });
}

async function eventAt(db: Db, orgId: string, seq: number) {
  const rows = await chainOf(db, orgId);
  const row = rows.find((r) => r.seq === seq);
  if (!row) throw new Error(`no event ${seq}`);
  return row;
}

/** The database error message under drizzle's wrapper. */
async function dbError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause;
    return `${(error as Error).message} ${cause?.message ?? ''}`;
  }
  throw new Error('expected the statement to fail');
}

afterEach(async () => {
  await stopAuditChainer();
});

describe('chainPending', () => {
  it('links events into seq 1..n, each pointing at the previous hash', async () => {
    const { db } = testDb;
    const orgId = await newOrg(db);
    await record(db, orgId, 7);
    expect((await chainOf(db, orgId)).every((e) => e.seq === null && e.hash === null)).toBe(true);

    expect(await chainPending(db, orgId)).toBe(7);
    const rows = await chainOf(db, orgId);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    let prev = GENESIS_HASH;
    for (const row of rows) {
      expect(row.prevHash).toBe(prev);
      expect(row.hash).toBe(sha256Hex(row.canonical!));
      expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
      const parsed = JSON.parse(row.canonical!);
      expect(Object.keys(parsed)).toEqual([
        'id',
        'organization_id',
        'seq',
        'prev_hash',
        'ts',
        'event_type',
        'action',
        'subject',
        'target',
        'decision',
        'rule_id',
        'event_data',
        'context',
      ]);
      expect(parsed).toMatchObject({ id: row.id, organization_id: orgId, seq: row.seq, prev_hash: prev, ts: row.ts.toISOString() });
      prev = row.hash!;
    }
    const [head] = await db.select().from(auditChainHeads).where(eq(auditChainHeads.chainKey, orgId));
    expect(head).toMatchObject({ lastSeq: 7, lastHash: prev });

    // Nothing left to do; new events continue the same chain.
    expect(await chainPending(db, orgId)).toBe(0);
    await record(db, orgId, 2);
    expect(await chainPending(db)).toBeGreaterThanOrEqual(2);
    const more = await chainOf(db, orgId);
    expect(more.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(more[7]!.prevHash).toBe(prev);
    expect(await verifyChain(db, orgId)).toEqual({ valid: true, checked: 9, last_seq: 9, first_break: null });
  });

  it('gives a contiguous chain after many concurrent writers and concurrent chainers', async () => {
    const { db } = testDb;
    const orgId = await newOrg(db);
    const writes = Array.from({ length: 300 }, (_, i) => recordAudit(db, writer, event(orgId, i)));
    const chainers = [chainPending(db, orgId), chainPending(db), chainPending(db, orgId)];
    await Promise.all([...writes, ...chainers]);
    await Promise.all([chainPending(db, orgId), chainPending(db, orgId), chainPending(db)]);
    const rows = await chainOf(db, orgId);
    expect(rows).toHaveLength(300);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    const result = await verifyChain(db, orgId);
    expect(result).toEqual({ valid: true, checked: 300, last_seq: 300, first_break: null });
  });

  it('links more than one batch', async () => {
    const { db } = testDb;
    const orgId = await newOrg(db);
    await db.insert(auditEvents).values(
      Array.from({ length: 1203 }, (_, i) => ({ organizationId: orgId, action: 'x.y', eventType: 'x', eventData: { i } })),
    );
    expect(await chainPending(db, orgId)).toBe(1203);
    expect(await verifyChain(db, orgId)).toMatchObject({ valid: true, checked: 1203, last_seq: 1203 });
  });

  it('keeps an independent chain per organization and one for the instance', async () => {
    const { db } = testDb;
    const a = await newOrg(db);
    const b = await newOrg(db);
    await record(db, a, 3);
    await record(db, b, 2);
    await record(db, null, 2);
    await chainPending(db);
    expect((await chainOf(db, a)).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect((await chainOf(db, b)).map((r) => r.seq)).toEqual([1, 2]);
    const instance = await chainOf(db, null);
    expect(instance.map((r) => r.seq)).toEqual(instance.map((_, i) => i + 1));
    expect((await chainOf(db, a))[0]!.prevHash).toBe(GENESIS_HASH);
    expect((await chainOf(db, b))[0]!.prevHash).toBe(GENESIS_HASH);
    for (const key of [a, b, INSTANCE_CHAIN]) expect((await verifyChain(db, key)).valid).toBe(true);
  });

  it('stores the canonical text verbatim whatever the event data holds', async () => {
    const { db } = testDb;
    const orgId = await newOrg(db);
    const data = {
      emoji: 'launch 🚀',
      quote: 'say "hi"\\ and \\u0041',
      lines: 'one\ntwo\r\n\tthree \u2028',
      numbers: [0, -1, 1.5, 1e21, 1.5e300, 0.1],
      nested: { '10': 'ten', '9': 'nine', b: [{ z: null, a: true }], a: {} },
    };
    await recordAudit(db, writer, { ...event(orgId, 1), subject: 'user:Ünïcödé', target: 'tool:conn/ä b', data });
    await chainPending(db, orgId);
    const [row] = await chainOf(db, orgId);
    expect(row!.hash).toBe(sha256Hex(row!.canonical!));
    expect(JSON.parse(row!.canonical!).event_data).toEqual(data);
    expect(row!.canonical).toContain('"nested":{"10":"ten","9":"nine","a":{},"b":[{"a":true,"z":null}]}');
    expect(await verifyChain(db, orgId)).toMatchObject({ valid: true, checked: 1 });
  });

  it('stores ts at millisecond precision, exactly as the canonical text says', async () => {
    const { db } = testDb;
    const orgId = await newOrg(db);
    await db.insert(auditEvents).values({
      organizationId: orgId,
      action: 'x.y',
      eventType: 'x',
      ts: sql`'2025-03-04 05:06:07.891234+00'::timestamptz` as unknown as Date,
    });
    await chainPending(db, orgId);
    const [row] = await chainOf(db, orgId);
    expect(row!.ts.toISOString()).toBe('2025-03-04T05:06:07.891Z');
    expect(JSON.parse(row!.canonical!).ts).toBe('2025-03-04T05:06:07.891Z');
  });
});

describe('canonical text', () => {
  it('sorts object keys at every depth, including integer-like keys', () => {
    expect(stableJson({ b: 1, a: { '10': true, '9': [{ z: 1, y: null }], c: 'x' } })).toBe(
      '{"a":{"10":true,"9":[{"y":null,"z":1}],"c":"x"},"b":1}',
    );
    const text = canonicalText({
      id: 'i',
      organizationId: null,
      seq: 1,
      prevHash: '',
      ts: '2025-01-01T00:00:00.000Z',
      eventType: 't',
      action: 'a',
      subject: null,
      target: null,
      decision: 'allow',
      ruleId: null,
      eventData: { b: 2, a: 1 },
      context: {},
    });
    expect(text).toBe(
      '{"id":"i","organization_id":null,"seq":1,"prev_hash":"","ts":"2025-01-01T00:00:00.000Z","event_type":"t","action":"a",' +
        '"subject":null,"target":null,"decision":"allow","rule_id":null,"event_data":{"a":1,"b":2},"context":{}}',
    );
  });
});

describe('verifyChain', () => {
  it('detects an edited column', async () => {
    const { db } = testDb;
    const orgId = await newOrg(db);
    await record(db, orgId, 5);
    expect((await verifyChain(db, orgId)).valid).toBe(true);
    const victim = await eventAt(db, orgId, 3);
    await tamper(db, sql`update audit_events set event_data = '{"n": 99}'::jsonb where id = ${victim.id}`);
    const result = await verifyChain(db, orgId);
    expect(result).toEqual({
      valid: false,
      checked: 2,
      last_seq: 5,
      first_break: { seq: 3, event_id: victim.id, reason: 'event 3 was changed after it was recorded (event_data differs)' },
    });
  });

  it('detects an edited timestamp and decision', async () => {
    const { db } = testDb;
    const orgId = await newOrg(db);
    await record(db, orgId, 3);
    await chainPending(db, orgId);
    const victim = await eventAt(db, orgId, 2);
    await tamper(db, sql`update audit_events set ts = ts - interval '1 hour', decision = 'deny' where id = ${victim.id}`);
    const result = await verifyChain(db, orgId);
    expect(result.first_break).toEqual({
      seq: 2,
      event_id: victim.id,
      reason: 'event 2 was changed after it was recorded (ts, decision differ)',
    });
  });

  it('detects a sub-millisecond edit of ts', async () => {
    const { db } = testDb;
    const orgId = await newOrg(db);
    await record(db, orgId, 2);
    await chainPending(db, orgId);
    const victim = await eventAt(db, orgId, 1);
    await tamper(db, sql`update audit_events set ts = ts + interval '3 microseconds' where id = ${victim.id}`);
    expect((await verifyChain(db, orgId)).first_break).toMatchObject({ seq: 1, reason: expect.stringContaining('(ts differs)') });
  });

  it('detects an edited canonical text or hash', async () => {
    const { db } = testDb;
    const orgId = await newOrg(db);
    await record(db, orgId, 4);
    await chainPending(db, orgId);
    const two = await eventAt(db, orgId, 2);
    // Edited whatever it says (events written in one millisecond may be chained in either order).
    await tamper(db, sql`update audit_events set canonical = canonical || ' ' where id = ${two.id}`);
    expect((await verifyChain(db, orgId)).first_break).toEqual({
      seq: 2,
      event_id: two.id,
      reason: 'event 2 does not match its hash (its canonical text or hash was altered)',
    });

    const other = await newOrg(db);
    await record(db, other, 4);
    await chainPending(db, other);
    const three = await eventAt(db, other, 3);
    await tamper(db, sql`update audit_events set hash = ${'0'.repeat(64)} where id = ${three.id}`);
    expect((await verifyChain(db, other)).first_break).toMatchObject({ seq: 3, event_id: three.id });
  });

  it('detects a row rewritten consistently (column, canonical and hash) at the next link', async () => {
    const { db } = testDb;
    const orgId = await newOrg(db);
    await record(db, orgId, 4);
    await chainPending(db, orgId);
    const two = await eventAt(db, orgId, 2);
    const forged = JSON.parse(two.canonical!);
    forged.target = 'agent:forged';
    const canonical = canonicalText({
      id: forged.id,
      organizationId: forged.organization_id,
      seq: forged.seq,
      prevHash: forged.prev_hash,
      ts: forged.ts,
      eventType: forged.event_type,
      action: forged.action,
      subject: forged.subject,
      target: forged.target,
      decision: forged.decision,
      ruleId: forged.rule_id,
      eventData: forged.event_data,
      context: forged.context,
    });
    await tamper(
      db,
      sql`update audit_events set target = 'agent:forged', canonical = ${canonical}, hash = ${sha256Hex(canonical)} where id = ${two.id}`,
    );
    const three = await eventAt(db, orgId, 3);
    const result = await verifyChain(db, orgId);
    expect(result.first_break).toMatchObject({ seq: 3, event_id: three.id, reason: expect.stringMatching(/does not link to event 2/) });
  });

  it('detects a deleted event, in the middle and at the end', async () => {
    const { db } = testDb;
    const orgId = await newOrg(db);
    await record(db, orgId, 6);
    await chainPending(db, orgId);
    const four = await eventAt(db, orgId, 4);
    await tamper(db, sql`delete from audit_events where id = ${four.id}`);
    expect(await verifyChain(db, orgId)).toEqual({
      valid: false,
      checked: 3,
      last_seq: 6,
      first_break: { seq: 4, event_id: null, reason: 'event 4 is missing (chain jumps from 3 to 5)' },
    });

    const other = await newOrg(db);
    await record(db, other, 3);
    await chainPending(db, other);
    const first = await eventAt(db, other, 1);
    await tamper(db, sql`delete from audit_events where id = ${first.id}`);
    expect((await verifyChain(db, other)).first_break?.reason).toBe('event 1 is missing (the chain starts at 2)');

    const third = await newOrg(db);
    await record(db, third, 5);
    await chainPending(db, third);
    await tamper(db, sql`delete from audit_events where organization_id = ${third} and seq >= 4`);
    expect((await verifyChain(db, third)).first_break).toEqual({
      seq: 4,
      event_id: null,
      reason: 'events 4 to 5 are missing (the chain ends at 3 but its head is at 5)',
    });
  });
});

describe('append-only trigger', () => {
  it('refuses to update or delete a chained event', async () => {
    const { db } = testDb;
    const orgId = await newOrg(db);
    await record(db, orgId, 2);
    await chainPending(db, orgId);
    const one = await eventAt(db, orgId, 1);
    expect(await dbError(db.update(auditEvents).set({ target: 'agent:other' }).where(eq(auditEvents.id, one.id)))).toMatch(
      /append-only/,
    );
    expect(await dbError(db.update(auditEvents).set({ hash: 'x' }).where(eq(auditEvents.id, one.id)))).toMatch(/append-only/);
    expect(await dbError(db.delete(auditEvents).where(eq(auditEvents.id, one.id)))).toMatch(/append-only/);
    expect(await dbError(db.execute(sql`truncate audit_events`))).toMatch(/append-only/);
    expect((await verifyChain(db, orgId)).valid).toBe(true);
  });

  it('lets only the chain columns of an unchained event change, and never deletes instance events', async () => {
    const { db } = testDb;
    const orgId = await newOrg(db);
    await record(db, orgId, 1);
    const [pending] = await chainOf(db, orgId);
    expect(await dbError(db.update(auditEvents).set({ action: 'x.y' }).where(eq(auditEvents.id, pending!.id)))).toMatch(
      /append-only/,
    );
    expect(await dbError(db.delete(auditEvents).where(eq(auditEvents.id, pending!.id)))).toMatch(/append-only/);
    expect(
      await dbError(db.insert(auditEvents).values({ organizationId: orgId, action: 'x.y', eventType: 'x', seq: 99, hash: 'f' })),
    ).toMatch(/inserted unchained/);

    await record(db, null, 1);
    const [instanceEvent] = await chainOf(db, null);
    expect(await dbError(db.delete(auditEvents).where(eq(auditEvents.id, instanceEvent!.id)))).toMatch(/append-only/);
  });

  it('still lets deleting an organization cascade to its events and chain head', async () => {
    const { db } = testDb;
    const orgId = await newOrg(db);
    const keep = await newOrg(db);
    await record(db, orgId, 4);
    await record(db, keep, 2);
    await chainPending(db, orgId);
    await record(db, orgId, 2); // two more, still unchained
    await chainPending(db, keep);

    await db.delete(organizations).where(eq(organizations.id, orgId));
    expect(await chainOf(db, orgId)).toHaveLength(0);
    expect(await db.select().from(auditChainHeads).where(eq(auditChainHeads.chainKey, orgId))).toHaveLength(0);
    expect(await chainOf(db, keep)).toHaveLength(2);
    expect((await verifyChain(db, keep)).valid).toBe(true);
    expect(await chainPending(db, orgId)).toBe(0);
  });
});

describe('the scheduler', () => {
  it('links events shortly after they are written', async () => {
    const { db } = testDb;
    const orgId = await newOrg(db);
    startAuditChainer({ delayMs: 5, sweepMs: 60_000 });
    await record(db, orgId, 3);
    await expect.poll(async () => (await chainOf(db, orgId)).map((r) => r.seq), { timeout: 5000 }).toEqual([1, 2, 3]);
  });

  it('sweeps events written without notice (another instance, a crash)', async () => {
    const { db } = testDb;
    const orgId = await newOrg(db);
    await db.insert(auditEvents).values({ organizationId: orgId, action: 'x.y', eventType: 'x' });
    startAuditChainer({ delayMs: 5, sweepMs: 50 });
    await expect.poll(async () => (await chainOf(db, orgId))[0]?.seq, { timeout: 5000 }).toBe(1);
  });
});
