// Reading the audit trail: an organization's events (list, detail, export, chain verification)
// and the global feed of the last 24 hours across the caller's organizations. Every query of an
// organization's events is filtered by ctx.orgId; the global feed by the caller's memberships.
import { and, desc, eq, getTableColumns, gte, inArray, isNull, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { auditEvents, type AuditEvent } from '@/db/schema';
import { listMyOrganizations } from '@/lib/accounts/service';
import { notFound } from '@/lib/api/errors';
import type { UserCtx } from '@/lib/auth/context';
import { can, isRole } from '@/lib/auth/rbac';
import { logger } from '@/lib/observability/logger';
import { isUuid, type OrgCtx } from '@/lib/tenancy/access';
import { TS_TEXT, verifyChain, type ChainVerification } from './chain';
import { decodeCursor, encodeCursor, type Cursor, type CursorPage } from './cursor';
import { csvHeader, formatEvent } from './export-format';
import type { AuditExportInput, AuditFilters, AuditListInput } from './schemas';

/** An event as the API shows it (the spec's AuditEvent, plus the chain fields). */
export interface AuditEventJson {
  id: string;
  organization_id: string | null;
  event_type: string;
  event_data: Record<string, unknown>;
  ts: string;
  subject: string | null;
  action: string;
  target: string | null;
  decision: string | null;
  rule_id: string | null;
  context: Record<string, unknown>;
  seq: number | null;
  prev_hash: string | null;
  hash: string | null;
  created_at: string;
}

export function toAuditEventJson(e: AuditEvent): AuditEventJson {
  return {
    id: e.id,
    organization_id: e.organizationId,
    event_type: e.eventType,
    event_data: e.eventData,
    ts: e.ts.toISOString(),
    subject: e.subject,
    action: e.action,
    target: e.target,
    decision: e.decision,
    rule_id: e.ruleId,
    context: e.context,
    seq: e.seq,
    prev_hash: e.prevHash,
    hash: e.hash,
    created_at: e.createdAt.toISOString(),
  };
}

/** The global feed covers this much history. */
export const GLOBAL_FEED_HOURS = 24;
const EXPORT_PAGE_SIZE = 500;

/** Every column but canonical (it repeats the row), plus ts to the microsecond for cursors. */
const pageColumns = { ...getTableColumns(auditEvents), canonical: sql<null>`null`, tsText: TS_TEXT };

function filterConditions(f: AuditFilters): (SQL | undefined)[] {
  return [
    f.subject !== undefined ? eq(auditEvents.subject, f.subject) : undefined,
    f.action !== undefined ? eq(auditEvents.action, f.action) : undefined,
    f.target !== undefined ? eq(auditEvents.target, f.target) : undefined,
    f.event_type !== undefined ? eq(auditEvents.eventType, f.event_type) : undefined,
    f.decision !== undefined ? eq(auditEvents.decision, f.decision) : undefined,
    f.ts_from ? gte(auditEvents.ts, f.ts_from) : undefined,
    f.ts_to ? lte(auditEvents.ts, f.ts_to) : undefined,
  ];
}

/** Events older than the cursor in (ts desc, id desc) order; `ts <=` lets the index bound the scan. */
function olderThan(cursor: Cursor): SQL {
  const ts = sql`${cursor.ts}::timestamptz`;
  return sql`(${auditEvents.ts} <= ${ts} and (${auditEvents.ts} < ${ts} or ${auditEvents.id} < ${cursor.id}::uuid))`;
}

/** One page, newest first, and the cursor of the next one. */
async function fetchPage(db: Db, where: (SQL | undefined)[], cursor: Cursor | null, pageSize: number) {
  const rows = await db
    .select(pageColumns)
    .from(auditEvents)
    .where(and(...where, cursor ? olderThan(cursor) : undefined))
    .orderBy(desc(auditEvents.ts), desc(auditEvents.id))
    .limit(pageSize + 1);
  const more = rows.length > pageSize;
  const page = more ? rows.slice(0, pageSize) : rows;
  const last = page[page.length - 1];
  return {
    events: page.map((r) => toAuditEventJson(r)),
    next: more && last ? { ts: last.tsText, id: last.id } : null,
  };
}

async function listPage(db: Db, where: (SQL | undefined)[], input: AuditListInput): Promise<CursorPage<AuditEventJson>> {
  const cursor = input.cursor ? decodeCursor(input.cursor) : null;
  const page = await fetchPage(db, where, cursor, input.page_size);
  return { results: page.events, nextCursor: page.next ? encodeCursor(page.next) : null };
}

/** GET /orgs/{org_id}/audit/ */
export async function listAuditEvents(ctx: OrgCtx, input: AuditListInput): Promise<CursorPage<AuditEventJson>> {
  return listPage(ctx.db, [eq(auditEvents.organizationId, ctx.orgId), ...filterConditions(input)], input);
}

/** GET /orgs/{org_id}/audit/{id}/ — 404 for a malformed id, an unknown one, or another org's. */
export async function getAuditEvent(ctx: OrgCtx, id: string): Promise<AuditEventJson> {
  if (!isUuid(id)) throw notFound('Audit event');
  const [row] = await ctx.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.id, id), eq(auditEvents.organizationId, ctx.orgId)));
  if (!row) throw notFound('Audit event');
  return toAuditEventJson(row);
}

const verifying = new Map<string, Promise<ChainVerification>>();

/**
 * GET /orgs/{org_id}/audit/verify/ — links pending events, then checks the whole chain. A walk
 * reads every event of the organization, so concurrent requests for one organization share a
 * single walk instead of each starting another.
 */
export function verifyAuditChain(ctx: OrgCtx): Promise<ChainVerification> {
  const key = ctx.orgId.toLowerCase();
  let walk = verifying.get(key);
  if (!walk) {
    walk = verifyChain(ctx.db, key).finally(() => verifying.delete(key));
    verifying.set(key, walk);
  }
  return walk;
}

/**
 * GET /audit/ — events of the last 24 hours in the organizations where the caller is an active
 * member allowed to read the audit trail. Instance events (no organization) only for instance
 * administrators.
 */
export async function listGlobalAuditEvents(ctx: UserCtx, input: AuditListInput): Promise<CursorPage<AuditEventJson>> {
  const { organizations } = await listMyOrganizations(ctx);
  const orgIds = organizations.filter((o) => isRole(o.role) && can(o.role, 'audit.read')).map((o) => o.id);
  const scope = or(
    orgIds.length ? inArray(auditEvents.organizationId, orgIds) : undefined,
    ctx.actor.isInstanceAdmin ? isNull(auditEvents.organizationId) : undefined,
  );
  if (!scope) {
    if (input.cursor) decodeCursor(input.cursor);
    return { results: [], nextCursor: null };
  }
  const recent = sql`${auditEvents.ts} >= now() - make_interval(hours => ${GLOBAL_FEED_HOURS})`;
  return listPage(ctx.db, [scope, recent, ...filterConditions(input)], input);
}

export interface AuditExport {
  filename: string;
  contentType: string;
  body: ReadableStream<Uint8Array>;
}

/**
 * GET /orgs/{org_id}/audit/export/ — the filtered events, newest first, as JSON Lines or CSV.
 * The body is produced as the client reads it, one page of events at a time, so an export of
 * any size holds one page in memory.
 */
export function exportAuditEvents(ctx: OrgCtx, input: AuditExportInput): AuditExport {
  const where = [eq(auditEvents.organizationId, ctx.orgId), ...filterConditions(input)];
  const encoder = new TextEncoder();
  let cursor: Cursor | null = null;
  let headerSent = input.format !== 'csv';
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(csvHeader()));
          return;
        }
        try {
          const page = await fetchPage(ctx.db, where, cursor, EXPORT_PAGE_SIZE);
          const text = page.events.map((e) => formatEvent(e, input.format)).join('');
          if (text) controller.enqueue(encoder.encode(text));
          if (page.next) cursor = page.next;
          else controller.close();
        } catch (error) {
          logger().error({ request_id: ctx.requestId, org_id: ctx.orgId, err: error }, 'audit export failed');
          controller.error(error);
        }
      },
    },
    { highWaterMark: 0 },
  );
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return {
    filename: `audit-${ctx.orgId}-${stamp}.${input.format}`,
    contentType: input.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    body,
  };
}
