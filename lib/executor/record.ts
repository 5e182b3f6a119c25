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
  run = storable(run);
  stepRows.splice(0, stepRows.length, ...storable(stepRows));
  events = storable(events);
  const runCte = db.$with('written_run').as(db.insert(runs).values(run).returning({ id: runs.id }));
  const stepCte = db.$with('written_steps').as(db.insert(runSteps).values(stepRows).returning({ id: runSteps.id }));
  if (events.length) {
    const eventCte = db.$with('written_events').as(db.insert(auditEvents).values(events).returning({ id: auditEvents.id }));
    await db.with(runCte, stepCte, eventCte).select({ id: runCte.id }).from(runCte);
    afterAuditWrite(run.organizationId);
  } else {
    await db.with(runCte, stepCte).select({ id: runCte.id }).from(runCte);
  }
}
