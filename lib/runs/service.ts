// Running a tool from the REST API, and reading runs back: the list (newest first, keyset
// paging by a cursor so pages stay stable while new runs arrive), a run, and its steps.
import { and, asc, count, desc, eq, gte, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { runs, runSteps, type Run, type RunStep } from '@/db/schema';
import { AppError, invalidInput, notFound } from '@/lib/api/errors';
import type { AgentOrgCtx } from '@/lib/api/route';
import { requireAgentScope } from '@/lib/agents/me';
import { executeTool, type ExecuteResult } from '@/lib/executor/execute';
import { authorize, isUuid, type OrgCtx } from '@/lib/tenancy/access';
import type { ExecuteInput, RunFilters } from './schemas';

/**
 * POST runs/execute: an agent runs a tool for itself (its token needs the runs.execute scope), or
 * a member runs one as an agent — the decision is the agent's, both identities are recorded.
 */
export async function executeRun(ctx: OrgCtx | AgentOrgCtx, input: ExecuteInput, signal?: AbortSignal): Promise<ExecuteResult> {
  const named = input.agent_id ?? input.agent_identifier;
  let agentId: string;
  let actingUserId: string | null = null;
  if (ctx.actor.kind === 'agent') {
    requireAgentScope(ctx.actor, 'runs.execute');
    if (named && named !== ctx.actor.agentId) {
      const error = new AppError('forbidden', 'An agent token runs tools only as its own agent');
      error.orgId = ctx.orgId;
      throw error;
    }
    agentId = ctx.actor.agentId;
  } else {
    if (!named) throw invalidInput({ agent_id: ['Name the agent to run the tool as'] });
    agentId = named;
    actingUserId = ctx.actor.userId;
  }
  return executeTool(ctx, {
    agentId,
    toolIdentifier: input.tool_identifier,
    input: input.input_data,
    timeoutSeconds: input.timeout_seconds,
    via: 'rest',
    actingUserId,
    // A caller that goes away cancels the call upstream and frees the agent's in-flight slot.
    signal,
  });
}

export interface PublicRun {
  id: string;
  organization_id: string;
  environment_id: string;
  agent_id: string | null;
  tool_id: string | null;
  user_id: string | null;
  target: string | null;
  via: string | null;
  status: Run['status'];
  started_at: string | null;
  ended_at: string | null;
  duration_ms: number | null;
  error_text: string | null;
  input_json: Record<string, unknown>;
  output_json: unknown;
  model_name: string | null;
  input_tokens: number;
  output_tokens: number;
  cost: string | null;
  currency: string | null;
  created_at: string;
}

export const toPublicRun = (r: Run): PublicRun => ({
  id: r.id,
  organization_id: r.organizationId,
  environment_id: r.environmentId,
  agent_id: r.agentId,
  tool_id: r.toolId,
  user_id: r.userId,
  target: r.target,
  via: r.via,
  status: r.status,
  started_at: r.startedAt?.toISOString() ?? null,
  ended_at: r.endedAt?.toISOString() ?? null,
  duration_ms: r.durationMs,
  error_text: r.errorText,
  input_json: r.inputJson,
  output_json: r.outputJson,
  model_name: r.modelName,
  input_tokens: r.inputTokens,
  output_tokens: r.outputTokens,
  cost: r.cost,
  currency: r.currency,
  created_at: r.createdAt.toISOString(),
});

export interface PublicRunStep {
  id: string;
  run_id: string;
  step_type: string;
  message: string;
  details: Record<string, unknown>;
  timestamp: string;
  duration_ms: number | null;
}

const toPublicStep = (s: RunStep): PublicRunStep => ({
  id: s.id,
  run_id: s.runId,
  step_type: s.stepType,
  message: s.message,
  details: s.details,
  timestamp: s.timestamp.toISOString(),
  duration_ms: s.durationMs,
});

/**
 * The cursor is the last row's (created_at, id), opaque to clients (base64url). The time keeps
 * Postgres' microseconds: a millisecond-rounded cursor would skip rows written in the same
 * millisecond (one transaction writes them all with the same now()).
 */
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;
const cursorTimeOf = sql<string>`to_char(${runs.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
const encodeCursor = (at: string, id: string) => Buffer.from(`${at}|${id}`).toString('base64url');

function decodeCursor(cursor: string): { at: string; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!id || !isUuid(id) || !at || !CURSOR_TIME.test(at)) throw invalidInput({ cursor: ['Not a cursor this API gave out'] });
  return { at, id };
}

export interface RunPage {
  count: number;
  next: string | null;
  previous: null;
  results: PublicRun[];
}

export async function listRuns(ctx: OrgCtx, filters: RunFilters, url: URL): Promise<RunPage> {
  authorize(ctx, 'org.read');
  const where: SQL[] = [eq(runs.organizationId, ctx.orgId)];
  if (filters.status) where.push(eq(runs.status, filters.status));
  if (filters.environment_id) where.push(eq(runs.environmentId, filters.environment_id));
  if (filters.agent_id) where.push(eq(runs.agentId, filters.agent_id));
  if (filters.tool_id) where.push(eq(runs.toolId, filters.tool_id));
  if (filters.since) where.push(gte(runs.createdAt, new Date(filters.since)));
  if (filters.until) where.push(lte(runs.createdAt, new Date(filters.until)));
  const [{ total } = { total: 0 }] = await ctx.db.select({ total: count() }).from(runs).where(and(...where));
  const page = [...where];
  if (filters.cursor) {
    const c = decodeCursor(filters.cursor);
    const at = sql`(${c.at}::timestamp at time zone 'UTC')`;
    page.push(or(sql`${runs.createdAt} < ${at}`, and(sql`${runs.createdAt} = ${at}`, lt(runs.id, c.id)))!);
  }
  const found = await ctx.db
    .select({ run: runs, cursorAt: cursorTimeOf })
    .from(runs)
    .where(and(...page))
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(filters.page_size + 1);
  const more = found.length > filters.page_size;
  const shown = found.slice(0, filters.page_size);
  let next: string | null = null;
  if (more) {
    const last = shown.at(-1)!;
    const u = new URL(url);
    u.searchParams.set('cursor', encodeCursor(last.cursorAt, last.run.id));
    next = u.toString();
  }
  return { count: total, next, previous: null, results: shown.map((r) => toPublicRun(r.run)) };
}

async function getRunOrThrow(ctx: OrgCtx, id: string): Promise<Run> {
  if (!isUuid(id)) throw notFound('Run');
  const [row] = await ctx.db
    .select()
    .from(runs)
    .where(and(eq(runs.id, id), eq(runs.organizationId, ctx.orgId)));
  if (!row) throw notFound('Run');
  return row;
}

export async function getRun(ctx: OrgCtx, id: string): Promise<PublicRun> {
  return toPublicRun(await getRunOrThrow(ctx, id));
}

export async function listRunSteps(ctx: OrgCtx, id: string): Promise<{ count: number; next: null; previous: null; results: PublicRunStep[] }> {
  const run = await getRunOrThrow(ctx, id);
  const rows = await ctx.db.select().from(runSteps).where(eq(runSteps.runId, run.id)).orderBy(asc(runSteps.timestamp), asc(runSteps.createdAt));
  return { count: rows.length, next: null, previous: null, results: rows.map(toPublicStep) };
}
