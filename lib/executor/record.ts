// Writing what a call did: the run, its steps and its audit events in ONE statement (three
// inserts as data-modifying CTEs), so the hot path pays one round trip for all of it and a run
// never exists without its events or the other way round. The run id is made here, so the steps
// need nothing back from the run's insert; the foreign key is checked at the end of the statement.
import { randomUUID } from 'node:crypto';
import type { Db } from '@/db/client';
import { runPrepared } from '@/db/prepared';
import type { auditEvents, NewRun, NewRunStep } from '@/db/schema';
import { afterAuditWrite } from '@/lib/audit/record';

export interface StepRecord {
  stepType: string;
  message: string;
  details?: Record<string, unknown>;
  at: Date;
  durationMs: number | null;
}

export const newRunId = (): string => randomUUID();

/**
 * What Postgres cannot store: NUL (\u0000) in text or JSON, and a lone UTF-16 surrogate in JSON.
 * Inputs, outputs and messages come from agents and upstreams, so both are replaced by U+FFFD
 * before writing — a run is never lost to one. The rows travel as JSON text, where JSON.stringify
 * writes every NUL and every lone surrogate as an escape (\u0000, \ud800–\udfff; a paired one
 * is written as itself): each such escape not itself preceded by an escaped backslash becomes
 * \uFFFD, in keys too.
 */
const UNSTORABLE_ESCAPE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/g;
export function storableJson(value: unknown): string {
  const json = JSON.stringify(value);
  return json.includes('\\u0000') || /\\ud[89a-f]/.test(json) ? json.replace(UNSTORABLE_ESCAPE, '$1\\uFFFD') : json;
}

interface PendingRun {
  run: NewRun & { id: string; organizationId: string };
  steps: NewRunStep[];
  events: (typeof auditEvents.$inferInsert)[];
  done: (error?: unknown) => void;
}

/**
 * Group commit. A call writes at once when no write is under way; calls finishing while one is
 * under way are written together, in one statement, as soon as it ends. (Several writes at once
 * measured slower: smaller batches, more commits.) So a single caller never
 * waits for a batch, and many concurrent callers share round trips and commits instead of
 * queueing for them one by one. Every caller still returns only after its own rows committed.
 */
const queues = new WeakMap<Db, { pending: PendingRun[]; writing: boolean }>();
const MAX_BATCH = 64;

export async function writeRun(
  db: Db,
  run: NewRun & { id: string; organizationId: string },
  steps: StepRecord[],
  events: (typeof auditEvents.$inferInsert)[],
): Promise<void> {
  const stepRows: NewRunStep[] = steps.map((s) => ({
    runId: run.id,
    stepType: s.stepType,
    message: s.message,
    details: s.details ?? {},
    timestamp: s.at,
    durationMs: s.durationMs,
  }));
  let queue = queues.get(db);
  if (!queue) queues.set(db, (queue = { pending: [], writing: false }));
  const written = new Promise<void>((resolve, reject) => {
    queue.pending.push({
      run,
      steps: stepRows,
      events,
      done: (error) => (error === undefined ? resolve() : reject(error)),
    });
  });
  if (!queue.writing) void drain(db, queue);
  return written;
}

async function drain(db: Db, queue: { pending: PendingRun[]; writing: boolean }): Promise<void> {
  queue.writing = true;
  try {
    while (queue.pending.length) {
      const batch = queue.pending.splice(0, MAX_BATCH);
      try {
        await insertRuns(db, batch);
        for (const item of batch) item.done();
      } catch (error) {
        if (batch.length === 1) {
          batch[0]!.done(error);
          continue;
        }
        // One bad run (say, its agent was deleted meanwhile) must not lose the others: each
        // is written on its own, and only the failing one reports the error.
        for (const item of batch) {
          try {
            await insertRuns(db, [item]);
            item.done();
          } catch (single) {
            // The batch may have committed after all (its answer was lost): a run that is already
            // there is written, not failed.
            item.done(isDuplicateRun(single) ? undefined : single);
          }
        }
      }
    }
  } finally {
    queue.writing = false;
  }
}

function isDuplicateRun(error: unknown): boolean {
  const cause = (error as { cause?: unknown })?.cause ?? error;
  const { code, constraint_name: name, constraint } = (cause ?? {}) as { code?: string; constraint_name?: string; constraint?: string };
  return code === '23505' && (name ?? constraint) === 'runs_pkey';
}

/** The rows as JSON text: one parameter per table (timestamps as ISO text, read back as timestamptz). */
function runsJson(batch: PendingRun[]): string {
  return storableJson(
    batch.map(({ run: r }) => ({
      id: r.id,
      organization_id: r.organizationId,
      environment_id: r.environmentId,
      agent_id: r.agentId ?? null,
      tool_id: r.toolId ?? null,
      user_id: r.userId ?? null,
      status: r.status ?? 'pending',
      target: r.target ?? null,
      via: r.via ?? null,
      started_at: r.startedAt ?? null,
      ended_at: r.endedAt ?? null,
      input_json: r.inputJson ?? {},
      output_json: r.outputJson ?? null,
      error_text: r.errorText ?? null,
      duration_ms: r.durationMs ?? null,
      model_name: r.modelName ?? null,
      input_tokens: r.inputTokens ?? 0,
      output_tokens: r.outputTokens ?? 0,
      cost: r.cost ?? null,
      currency: r.currency ?? null,
    })),
  );
}

function stepsJson(batch: PendingRun[]): string {
  return storableJson(
    batch.flatMap((b) =>
      b.steps.map((s) => ({
        run_id: s.runId,
        step_type: s.stepType,
        message: s.message ?? '',
        details: s.details ?? {},
        timestamp: s.timestamp ?? new Date(),
        duration_ms: s.durationMs ?? null,
      })),
    ),
  );
}

function eventsJson(batch: PendingRun[]): string {
  const now = new Date();
  return storableJson(
    batch.flatMap((b) =>
      b.events.map((e) => ({
        organization_id: e.organizationId ?? null,
        event_type: e.eventType,
        event_data: e.eventData ?? {},
        ts: e.ts ?? now,
        subject: e.subject ?? null,
        action: e.action,
        target: e.target ?? null,
        decision: e.decision ?? null,
        rule_id: e.ruleId ?? null,
        context: e.context ?? {},
      })),
    ),
  );
}

/**
 * The batch in one prepared statement (db/prepared.ts: one round trip): each table's
 * rows arrive as one JSON parameter, unpacked by jsonb_to_recordset — far cheaper to build, send
 * and plan than a VALUES list with a parameter per column per row. Keep the column lists in step
 * with db/schema/runs.ts and audit.ts (record.test.ts reads every column back).
 */
const INSERT_RUNS = `
  with written_runs as (
    insert into runs (id, organization_id, environment_id, agent_id, tool_id, user_id, status, target, via,
                      started_at, ended_at, input_json, output_json, error_text, duration_ms,
                      model_name, input_tokens, output_tokens, cost, currency)
    select id, organization_id, environment_id, agent_id, tool_id, user_id, status, target, via,
           started_at, ended_at, input_json, output_json, error_text, duration_ms,
           model_name, input_tokens, output_tokens, cost, currency
      from jsonb_to_recordset($1::text::jsonb) as r(
        id uuid, organization_id uuid, environment_id uuid, agent_id uuid, tool_id uuid, user_id uuid, status text,
        target text, via text, started_at timestamptz, ended_at timestamptz, input_json jsonb, output_json jsonb,
        error_text text, duration_ms integer, model_name text, input_tokens integer, output_tokens integer,
        cost numeric(18, 8), currency text)
    returning id
  ), written_steps as (
    insert into run_steps (run_id, step_type, message, details, "timestamp", duration_ms)
    select run_id, step_type, message, details, "timestamp", duration_ms
      from jsonb_to_recordset($2::text::jsonb) as s(
        run_id uuid, step_type text, message text, details jsonb, "timestamp" timestamptz, duration_ms integer)
    returning id
  ), written_events as (
    insert into audit_events (organization_id, event_type, event_data, ts, subject, action, target, decision, rule_id, context)
    select organization_id, event_type, event_data, ts, subject, action, target, decision, rule_id, context
      from jsonb_to_recordset($3::text::jsonb) as e(
        organization_id uuid, event_type text, event_data jsonb, ts timestamptz, subject text, action text,
        target text, decision text, rule_id uuid, context jsonb)
    returning id
  )
  select (select count(*) from written_runs) as runs, (select count(*) from written_steps) as steps,
         (select count(*) from written_events) as events`;

async function insertRuns(db: Db, batch: PendingRun[]): Promise<void> {
  await runPrepared(db, INSERT_RUNS, [runsJson(batch), stepsJson(batch), eventsJson(batch)]);
  // Only schedules the chainer; a failure there must not turn written runs into failed ones.
  try {
    const withEvents = new Set(batch.filter((b) => b.events.length).map((b) => b.run.organizationId));
    for (const org of withEvents) afterAuditWrite(org);
  } catch {
    // the chainer's sweep links them later
  }
}
