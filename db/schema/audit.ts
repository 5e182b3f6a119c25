// Audit trail. Append-only (enforced by a trigger, migration 0002_audit_append_only), and
// hash-chained per organization so tampering is detectable: canonical is a stable JSON text of
// the event that includes seq and prev_hash, and hash = sha256_hex(canonical) (lib/audit/chain.ts).
// Writers insert events unchained; the chainer fills seq/prev_hash/hash/canonical moments later.
import { sql } from 'drizzle-orm';
import { bigint, check, index, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, ts, updatedAt } from './_columns';
import { sqlList } from './_sql';
import { organizations } from './tenancy';

export const AUDIT_DECISIONS = ['allow', 'deny'] as const;
export type AuditDecision = (typeof AUDIT_DECISIONS)[number];

export const auditEvents = pgTable(
  'audit_events',
  {
    id: id(),
    // Null for events outside any organization (e.g. auth.login_failed for an unknown email).
    organizationId: uuid('organization_id').references(() => organizations.id, {
      onDelete: 'cascade',
    }),
    // The specific reason, e.g. run_denied_policy (API-NOTES "Audit naming").
    eventType: text('event_type').notNull(),
    eventData: jsonb('event_data').$type<Record<string, unknown>>().notNull().default({}),
    ts: ts('ts').notNull().defaultNow(),
    // Who: e.g. user:<id>, agent:<id>.
    subject: text('subject'),
    // Dotted and stable: agent.create, run.denied, auth.login_failed.
    action: text('action').notNull(),
    // <kind>:<id or name>.
    target: text('target'),
    decision: text('decision').$type<AuditDecision>(),
    // The matched policy rule. UUID here (the spec's integer), and deliberately no FK: the
    // audit record must outlive the rule.
    ruleId: uuid('rule_id'),
    context: jsonb('context').$type<Record<string, unknown>>().notNull().default({}),
    // Hash chain. Nullable so the columns can be filled by the writer that owns the chain.
    seq: bigint('seq', { mode: 'number' }),
    prevHash: text('prev_hash'),
    hash: text('hash'),
    canonical: text('canonical'),
    createdAt: createdAt(),
  },
  (t) => [
    // Lists page newest first by (ts desc, id desc): the index has the same order.
    index('audit_events_org_ts_id_idx').on(t.organizationId, t.ts.desc(), t.id.desc()),
    // The chainer's work queue: only events not yet chained, in chain order.
    index('audit_events_unchained_idx').on(t.organizationId, t.ts, t.id).where(sql`${t.hash} is null`),
    index('audit_events_org_action_idx').on(t.organizationId, t.action),
    index('audit_events_org_subject_idx').on(t.organizationId, t.subject),
    // One position per chain. NULLs are distinct here, so rows without a seq never collide...
    uniqueIndex('audit_events_org_seq_unique').on(t.organizationId, t.seq),
    // ...and the chain of events without an organization gets its own uniqueness.
    uniqueIndex('audit_events_global_seq_unique')
      .on(t.seq)
      .where(sql`${t.organizationId} is null`),
    // The global (last 24h) feed.
    index('audit_events_ts_idx').on(t.ts),
    check(
      'audit_events_decision_check',
      sql`${t.decision} is null or ${t.decision} in (${sqlList(AUDIT_DECISIONS)})`,
    ),
  ],
);

// The head of each hash chain: the last position and hash, locked (SELECT … FOR UPDATE) by the
// chainer so chains grow one batch at a time even with several app instances.
export const auditChainHeads = pgTable('audit_chain_heads', {
  // The organization id as text, or 'instance' for events without an organization.
  chainKey: text('chain_key').primaryKey(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
  // The genesis prev_hash is the empty string: event 1 of every chain has prev_hash ''.
  lastHash: text('last_hash').notNull().default(''),
  updatedAt: updatedAt(),
});

export type AuditEvent = typeof auditEvents.$inferSelect;
export type NewAuditEvent = typeof auditEvents.$inferInsert;
