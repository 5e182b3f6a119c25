// Reads the run pages need beyond lib/runs: names for the ids a run carries, and the audit events
// of one run. Every query is filtered by the caller's organization.
import { and, asc, eq, gte, inArray, lte, sql } from 'drizzle-orm';
import { agents, auditEvents, users } from '@/db/schema';
import { toAuditEventJson, type AuditEventJson } from '@/lib/audit/service';
import { authorize, type OrgCtx } from '@/lib/tenancy/access';
import type { PublicRun } from '@/lib/runs/service';

/** Agent names by id (agents of this organization; a deleted one is simply absent). */
export async function agentNames(ctx: OrgCtx, ids: readonly (string | null)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => Boolean(id)))];
  if (wanted.length === 0) return new Map();
  const rows = await ctx.db
    .select({ id: agents.id, name: agents.name })
    .from(agents)
    .where(and(eq(agents.organizationId, ctx.orgId), inArray(agents.id, wanted)));
  return new Map(rows.map((r) => [r.id, r.name]));
}

/**
 * Members who ran tools as agents: name and email by id. The ids come from runs of this
 * organization (read with the caller's organization filter), so only people who acted in it are
 * looked up.
 */
export async function userNames(ctx: OrgCtx, ids: readonly (string | null)[]): Promise<Map<string, { name: string; email: string }>> {
  const wanted = [...new Set(ids.filter((id): id is string => Boolean(id)))];
  if (wanted.length === 0) return new Map();
  const rows = await ctx.db
    .select({ id: users.id, first: users.firstName, last: users.lastName, email: users.email })
    .from(users)
    .where(inArray(users.id, wanted));
  return new Map(rows.map((r) => [r.id, { name: `${r.first} ${r.last}`.trim() || r.email, email: r.email }]));
}

/** Events are written with the run in one statement; this much clock difference is tolerated. */
const WINDOW_MS = 60 * 60 * 1000;
const MAX_EVENTS = 50;

/**
 * The audit events of one run (event_data.run_id). The time window around the run keeps the
 * query on the (organization, ts) index instead of reading the organization's whole trail.
 */
export async function runAuditEvents(ctx: OrgCtx, run: PublicRun): Promise<AuditEventJson[]> {
  authorize(ctx, 'audit.read');
  const start = Date.parse(run.started_at ?? run.created_at);
  const end = Date.parse(run.ended_at ?? run.created_at);
  const rows = await ctx.db
    .select()
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.organizationId, ctx.orgId),
        gte(auditEvents.ts, new Date(start - WINDOW_MS)),
        lte(auditEvents.ts, new Date(end + WINDOW_MS)),
        sql`${auditEvents.eventData}->>'run_id' = ${run.id}`,
      ),
    )
    .orderBy(asc(auditEvents.ts), asc(auditEvents.id))
    .limit(MAX_EVENTS);
  // A run's events are written in one statement and share one ts: show its start first.
  const rank = (e: { eventType: string }) => (e.eventType === 'run_started' ? 0 : 1);
  return rows.sort((a, b) => a.ts.getTime() - b.ts.getTime() || rank(a) - rank(b)).map(toAuditEventJson);
}
