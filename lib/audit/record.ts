// Writing audit events. Call recordAudit inside the same transaction as the change it describes,
// so an event exists exactly when its change does. Events are appended unchained; the chainer
// (lib/audit/chain.ts) links them into the per-organization hash chain moments later, so writers
// never wait on one another (ARCHITECTURE.md, audit).
import type { Db } from '@/db/client';
import { auditEvents } from '@/db/schema';
import type { Actor, Ctx } from '@/lib/auth/context';
import { orgChanged } from '@/lib/tenancy/changes';

export interface AuditInput {
  organizationId: string | null;
  /** Dotted and stable: `organization.create`, `auth.login_failed`, `run.denied`. */
  action: string;
  /** The specific reason: `organization_created`, `run_denied_policy`. */
  eventType: string;
  /** `<kind>:<id or name>`, e.g. `environment:4f…`. */
  target: string;
  decision?: 'allow' | 'deny';
  ruleId?: string | null;
  /** Overrides the subject derived from the actor (e.g. `email:a@b.c` for a failed login). */
  subject?: string;
  /** Non-secret facts about the event: names, changed field names, counts. Never values of secrets. */
  data?: Record<string, unknown>;
  /** When it happened, for events written later than they happened (default: the write's time). */
  at?: Date;
}

export function subjectOf(actor: Actor): string {
  if (actor.kind === 'user') return `user:${actor.userId}`;
  if (actor.kind === 'agent') return `agent:${actor.agentId}`;
  return 'anonymous';
}

/** The row of one event, for writers that insert it themselves (e.g. with a run, in one statement). */
export function auditRow(ctx: Pick<Ctx, 'actor' | 'requestId' | 'clientKey'>, input: AuditInput): typeof auditEvents.$inferInsert {
  return {
    organizationId: input.organizationId,
    eventType: input.eventType,
    action: input.action,
    target: input.target,
    subject: input.subject ?? subjectOf(ctx.actor),
    decision: input.decision ?? 'allow',
    ruleId: input.ruleId ?? null,
    eventData: input.data ?? {},
    ...(input.at ? { ts: input.at } : {}),
    context: {
      request_id: ctx.requestId,
      client: ctx.clientKey,
      ...(ctx.actor.kind !== 'anonymous' ? { via: ctx.actor.via } : {}),
    },
  };
}

/** Appends one event. `db` may be a transaction. */
export async function recordAudit(db: Db, ctx: Pick<Ctx, 'actor' | 'requestId' | 'clientKey'>, input: AuditInput): Promise<void> {
  // Every change is audited: caches of the organization's configuration learn of it here. A
  // refusal changed nothing.
  if (input.decision !== 'deny') orgChanged(input.organizationId);
  await db.insert(auditEvents).values(auditRow(ctx, input));
  afterAuditWrite(input.organizationId);
}

type Listener = (organizationId: string | null) => void;
// On globalThis, not in a module variable: Next compiles instrumentation.ts (which starts the
// chainer) and the route handlers (which write events) as separate module graphs, each with its
// own copy of this module.
const hooks = globalThis as unknown as { __axsAuditWriteListener?: Listener };

/** The chainer registers here to learn that an organization has new events. */
export function onAuditWrite(fn: Listener): void {
  hooks.__axsAuditWriteListener = fn;
}

/** Tells the chainer an organization has new events (writers that bypass recordAudit call this). */
export function afterAuditWrite(organizationId: string | null): void {
  hooks.__axsAuditWriteListener?.(organizationId);
}

/** Names of the fields an update changes, for the event's data (values are never recorded). */
export function changedFields(input: Record<string, unknown>): string[] {
  return Object.keys(input)
    .filter((k) => input[k] !== undefined)
    .sort();
}
