'use client';
// "Run this tool" on a tool's page: an agent, the input as JSON, an optional timeout. The answer
// shows below the form — the tool's content, or why the gateway refused — with the run's timeline
// one click away either way.
import Link from 'next/link';
import { useActionState } from 'react';
import { HintedInput, HintedSelect } from '@/components/agents/fields';
import { submissionKey } from '@/components/agents/submission-key';
import { FormStatus } from '@/components/console/form-status';
import type { Option } from '@/components/console/select-field';
import { ListTextarea } from '@/components/policies/fields';
import { RunOutputView } from '@/components/runs/content-items';
import { formatDuration } from '@/components/runs/format';
import { RunStatusBadge } from '@/components/runs/status-badge';
import { Button } from '@/components/ui/button';
import type { RunOutcome, RunToolState } from './run-actions';

/** The pipeline's input errors (input_data, input_data.<path>) as lines that say where. */
function inputErrors(fields: Record<string, string[]> | undefined): string[] | undefined {
  if (!fields) return undefined;
  const lines = Object.entries(fields)
    .filter(([key]) => key === 'input_data' || key.startsWith('input_data.'))
    .flatMap(([key, messages]) => {
      const path = key.slice('input_data.'.length);
      return messages.map((m) => (key === 'input_data' ? m : `${path}: ${m}`));
    });
  return lines.length ? lines : undefined;
}

export function RunToolForm({
  action,
  toolId,
  agents,
  skeleton,
  timeouts,
  runsHref,
}: {
  action: (prev: RunToolState, input: FormData) => Promise<RunToolState>;
  toolId: string;
  agents: readonly Option[];
  /** The input to start from: the schema's properties with placeholder values. */
  skeleton: string;
  timeouts: { defaultSeconds: number; maxSeconds: number };
  runsHref: string;
}) {
  const [state, formAction, pending] = useActionState<RunToolState, FormData>(action, {});
  const v = state.values ?? {};
  const answer = submissionKey(state);
  return (
    <div className="space-y-6">
      <form action={formAction} aria-label="Run this tool" className="space-y-4" noValidate>
        <input type="hidden" name="tool_id" value={toolId} />
        <FormStatus state={state} />
        <div key={answer} className="space-y-4">
          <div className="grid gap-4 md:grid-cols-[1fr_12rem]">
            <HintedSelect
              label="Run as agent"
              name="agent_id"
              id="run-agent"
              options={[{ value: '', label: '— choose an agent —' }, ...agents]}
              defaultValue={v.agent_id ?? (agents.length === 1 ? agents[0]!.value : '')}
              errors={state.fields?.agent_id}
              hint="Policies decide for this agent; the run records you as the member acting for it."
            />
            <HintedInput
              label="Timeout (seconds, optional)"
              name="timeout_seconds"
              id="run-timeout"
              type="number"
              min={1}
              max={timeouts.maxSeconds}
              step="any"
              inputMode="decimal"
              defaultValue={v.timeout_seconds ?? ''}
              errors={state.fields?.timeout_seconds}
              hint={`Default ${timeouts.defaultSeconds} s, at most ${timeouts.maxSeconds} s.`}
            />
          </div>
          <ListTextarea
            label="Input (JSON)"
            name="input_data"
            id="run-input"
            rows={Math.min(16, Math.max(4, (v.input_data ?? skeleton).split('\n').length + 1))}
            defaultValue={v.input_data ?? skeleton}
            errors={inputErrors(state.fields)}
            hint="The tool's arguments. The gateway checks them against the input schema before anything is sent upstream."
          />
        </div>
        <Button type="submit" disabled={pending}>
          {pending ? 'Running…' : 'Run tool'}
        </Button>
      </form>
      {state.outcome && <RunAnswer outcome={state.outcome} runsHref={runsHref} answer={answer} />}
    </div>
  );
}

function TimelineLink({ runsHref, runId }: { runsHref: string; runId: string }) {
  return (
    <Link href={`${runsHref}/${runId}`} className="text-sm font-medium text-brand-600 hover:underline" data-testid="run-timeline-link">
      Open the run timeline
    </Link>
  );
}

function refusalTitle(outcome: Extract<RunOutcome, { kind: 'refused' }>): string {
  if (outcome.reason) return 'Denied by policy';
  switch (outcome.code) {
    case 'invalid_input':
      return 'Input refused';
    case 'rate_limited':
      return 'Rate limited';
    case 'timeout':
      return 'Timed out';
    case 'upstream_error':
    case 'unavailable':
      return 'The call failed';
    default:
      return 'Refused';
  }
}

function RunAnswer({ outcome, runsHref, answer }: { outcome: RunOutcome; runsHref: string; answer: number }) {
  if (outcome.kind === 'refused') {
    return (
      <section
        aria-labelledby="run-answer-heading"
        aria-live="polite"
        data-testid="run-refusal"
        data-answer={answer}
        className="space-y-3 rounded-lg border border-red-300 bg-red-50/40 p-5"
      >
        <h3 id="run-answer-heading" className="flex flex-wrap items-center gap-3 text-base font-semibold text-red-900">
          <RunStatusBadge status="failed" />
          {refusalTitle(outcome)}
        </h3>
        <p className="text-sm font-medium break-words" data-testid="run-refusal-message">
          {outcome.message}
        </p>
        {outcome.reason && outcome.reason !== outcome.message && (
          <p className="text-sm" data-testid="run-refusal-reason">
            Reason: {outcome.reason}
          </p>
        )}
        {outcome.fields && (
          <ul className="list-inside list-disc text-sm text-red-800" data-testid="run-refusal-fields">
            {Object.entries(outcome.fields).flatMap(([field, messages]) =>
              messages.map((m) => (
                <li key={`${field}:${m}`}>
                  <code className="font-mono text-xs">{field}</code>: {m}
                </li>
              )),
            )}
          </ul>
        )}
        <TimelineLink runsHref={runsHref} runId={outcome.runId} />
      </section>
    );
  }
  const { result } = outcome;
  return (
    <section
      aria-labelledby="run-answer-heading"
      aria-live="polite"
      data-testid="run-result"
      data-answer={answer}
      className={`space-y-3 rounded-lg border p-5 ${result.isError ? 'border-red-300 bg-red-50/40' : 'border-emerald-300 bg-emerald-50/40'}`}
    >
      <h3 id="run-answer-heading" className="flex flex-wrap items-center gap-3 text-base font-semibold">
        <RunStatusBadge status={result.status} />
        <span>{result.isError ? 'The tool answered with an error' : 'The tool answered'}</span>
        <span className="font-mono text-xs font-normal text-slate-600">
          {result.tool.target} as {result.agent.name} · {formatDuration(result.execution.duration_ms)}
        </span>
      </h3>
      <RunOutputView output={result} />
      <TimelineLink runsHref={runsHref} runId={result.run_id} />
    </section>
  );
}
