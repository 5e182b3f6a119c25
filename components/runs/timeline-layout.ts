// Where each step of a run sits on its time axis. A step is recorded when its stage ends, with
// the stage's duration (lib/executor/execute.ts RunLog.step), so it started `duration` before its
// timestamp; offsets are from the run's start.

export interface TimelineRun {
  status: string;
  started_at: string | null;
  created_at: string;
  duration_ms: number | null;
}

export interface TimelineStep {
  id: string;
  step_type: string;
  timestamp: string;
  duration_ms: number | null;
}

export interface PlacedStep<S extends TimelineStep> {
  step: S;
  offsetMs: number;
  durationMs: number;
  /** Percentages of the axis. */
  left: number;
  width: number;
  /** The stage that ended a failed run (its refusal, or the failed upstream call). */
  failed: boolean;
}

/** Narrowest bar, in percent, so a stage of 0 ms still shows as a tick. */
export const MIN_BAR_PERCENT = 0.6;

export function layoutTimeline<S extends TimelineStep>(run: TimelineRun, steps: readonly S[]): { totalMs: number; steps: PlacedStep<S>[] } {
  const start = Date.parse(run.started_at ?? run.created_at);
  const spans = steps.map((step) => {
    const durationMs = Math.max(0, step.duration_ms ?? 0);
    const end = Date.parse(step.timestamp) - start;
    return { step, durationMs, offsetMs: Math.max(0, end - durationMs) };
  });
  const totalMs = Math.max(1, run.duration_ms ?? 0, ...spans.map((s) => s.offsetMs + s.durationMs));
  return {
    totalMs,
    steps: spans.map((s, i) => {
      const width = Math.min(100, Math.max(MIN_BAR_PERCENT, (s.durationMs / totalMs) * 100));
      const left = Math.min(100 - width, (s.offsetMs / totalMs) * 100);
      return { ...s, left, width, failed: run.status === 'failed' && i === spans.length - 1 };
    }),
  };
}

/** Tick positions for the axis: 0, a quarter… the whole run. */
export function axisTicks(totalMs: number, count = 4): { at: number; ms: number }[] {
  return Array.from({ length: count + 1 }, (_, i) => ({ at: (i / count) * 100, ms: (totalMs * i) / count }));
}
