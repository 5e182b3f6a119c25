// A run's steps on a time axis: one bar per pipeline stage, placed where the stage started and as
// wide as it took. The stage that ended a failed run is red and says so in words too.
import { formatDuration } from './format';
import { axisTicks, layoutTimeline, type TimelineRun, type TimelineStep } from './timeline-layout';

export interface TimelineStepView extends TimelineStep {
  message: string;
  details: Record<string, unknown>;
}

const STAGE_LABELS: Record<string, string> = {
  resolve: 'Resolve agent and tool',
  runnable: 'Tool runnable',
  policy: 'Policy decision',
  validation: 'Input validation',
  rate_limit: 'Rate limit',
  concurrency: 'Concurrent runs',
  upstream: 'Upstream call',
};

export function RunTimeline({ run, steps }: { run: TimelineRun; steps: readonly TimelineStepView[] }) {
  if (steps.length === 0) return <p className="text-sm text-slate-600">This run recorded no steps.</p>;
  const { totalMs, steps: placed } = layoutTimeline(run, steps);
  const ticks = axisTicks(totalMs);
  const grid = 'grid grid-cols-[10rem_1fr_5rem] items-center gap-x-3';
  return (
    <div className="space-y-2">
      <div className={`${grid} text-xs text-slate-500`} aria-hidden="true">
        <span>Stage</span>
        <div className="relative h-4">
          {ticks.map((t, i) => (
            <span
              key={t.at}
              className={`absolute top-0 font-mono whitespace-nowrap ${i === 0 ? '' : i === ticks.length - 1 ? '-translate-x-full' : '-translate-x-1/2'}`}
              style={{ left: `${t.at}%` }}
            >
              {formatDuration(t.ms)}
            </span>
          ))}
        </div>
        <span className="text-right">Took</span>
      </div>
      <ol className="space-y-3" aria-label="Run steps">
        {placed.map(({ step, offsetMs, durationMs, left, width, failed }) => (
          <li key={step.id} data-testid="run-step" data-step-type={step.step_type} data-failed={failed} className="space-y-1">
            <div className={grid}>
              <span className="flex items-center gap-1.5 text-sm font-medium">
                <span aria-hidden="true" className={`inline-block h-2.5 w-2.5 shrink-0 rounded-full ${failed ? 'bg-red-500' : 'bg-emerald-500'}`} />
                <span title={step.step_type}>{STAGE_LABELS[step.step_type] ?? step.step_type}</span>
                <span className="sr-only">{failed ? '(failed)' : '(passed)'}</span>
              </span>
              <div className="relative h-5 rounded bg-slate-100">
                {ticks.slice(1, -1).map((t) => (
                  <span key={t.at} aria-hidden="true" className="absolute top-0 h-full border-l border-dashed border-slate-300" style={{ left: `${t.at}%` }} />
                ))}
                <span
                  className={`absolute top-0.5 bottom-0.5 rounded-sm ${failed ? 'bg-red-500' : 'bg-emerald-500'}`}
                  style={{ left: `${left}%`, width: `${width}%` }}
                  title={`${step.step_type}: from ${formatDuration(offsetMs)}, took ${formatDuration(durationMs)}`}
                />
              </div>
              <span className="text-right font-mono text-xs text-slate-700" data-testid="run-step-duration">
                {formatDuration(step.duration_ms)}
              </span>
            </div>
            <div className="space-y-1 pl-4 sm:ml-[10.75rem] sm:pl-0">
              <p className={`text-sm break-words ${failed ? 'font-medium text-red-800' : 'text-slate-700'}`} data-testid="run-step-message">
                {failed && <span className="mr-1 rounded bg-red-100 px-1.5 py-0.5 text-xs font-semibold text-red-900">failed</span>}
                {step.message}
              </p>
              {Object.keys(step.details).length > 0 && (
                <details>
                  <summary className="cursor-pointer text-xs text-brand-600">Details</summary>
                  <pre className="mt-1 max-h-64 overflow-auto rounded bg-slate-50 p-2 font-mono text-xs whitespace-pre-wrap break-all" data-testid="run-step-details">
                    {JSON.stringify(step.details)}
                  </pre>
                </details>
              )}
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}
