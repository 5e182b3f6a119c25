// Writing what a call did: the run, its steps and its audit events in ONE statement (three
// inserts as data-modifying CTEs), so the hot path pays one round trip for all of it and a run
// never exists without its events or the other way round. The run id is made here, so the steps
// need nothing back from the run's insert; the foreign key is checked at the end of the statement.
import { randomUUID } from 'node:crypto';
import type { Db } from '@/db/client';
import { auditEvents, runs, runSteps, type NewRun, type NewRunStep } from '@/db/schema';
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
 * Postgres cannot store NUL (\u0000) in text or JSON. Inputs, outputs and messages come from
 * agents and upstreams, so NULs are replaced before writing — a run is never lost to one.
 */
export function storable<T>(value: T): T {
  const clean = (s: string) => (s.includes('\u0000') ? s.replace(/\u0000/g, '\uFFFD') : s);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return clean(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, item]) => [clean(k), walk(item)]));
    return v;
  };
  return walk(value) as T;
}

interface PendingRun {
  run: NewRun & { id: string; organizationId: string };
  steps: NewRunStep[];
  events: (typeof auditEvents.$inferInsert)[];
  done: (error?: unknown) => void;
}

/**
 * Group commit. A call writes at once when no write is under way; calls finishing while one is
 * under way are written together, in one statement, as soon as it ends. So a single caller never
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
      run: storable(run),
      steps: storable(stepRows),
      events: storable(events),
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

async function insertRuns(db: Db, batch: PendingRun[]): Promise<void> {
  const steps = batch.flatMap((b) => b.steps);
  const events = batch.flatMap((b) => b.events);
  const runCte = db.$with('written_runs').as(
    db
      .insert(runs)
      .values(batch.map((b) => b.run))
      .returning({ id: runs.id }),
  );
  const stepCte = steps.length ? db.$with('written_steps').as(db.insert(runSteps).values(steps).returning({ id: runSteps.id })) : null;
  const eventCte = events.length ? db.$with('written_events').as(db.insert(auditEvents).values(events).returning({ id: auditEvents.id })) : null;
  // The CTEs differ in type; `with` only needs them in order.
  const ctes = [runCte, stepCte, eventCte].filter((c) => c !== null) as [typeof runCte];
  await db
    .with(...ctes)
    .select({ id: runCte.id })
    .from(runCte);
  // Only schedules the chainer; a failure there must not turn written runs into failed ones.
  try {
    if (events.length) for (const org of new Set(batch.map((b) => b.run.organizationId))) afterAuditWrite(org);
  } catch {
    // the chainer's sweep links them later
  }
}
