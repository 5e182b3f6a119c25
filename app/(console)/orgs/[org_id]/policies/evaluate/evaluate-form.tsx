'use client';
// The evaluate panel: a request is described, the server action decides it with the same function
// as POST /policies/evaluate/, and the answer shows here — the decision first, then why.
import Link from 'next/link';
import { useActionState } from 'react';
import { describedBy, errorsAt } from '@/components/agents/field-errors';
import { HintedInput, HintedSelect } from '@/components/agents/fields';
import { submissionKey } from '@/components/agents/submission-key';
import { FormStatus } from '@/components/console/form-status';
import type { Option } from '@/components/console/select-field';
import { DecisionBadge } from '@/components/policies/badges';
import { nestedErrors } from '@/components/policies/field-errors';
import { ListTextarea, Suggestions } from '@/components/policies/fields';
import { Button } from '@/components/ui/button';
import type { EvaluateResult } from '@/lib/policy/evaluate';
import { POLICY_ACTIONS } from '@/lib/policy/types';
import type { EvaluateState } from '../actions';

const ACTIONS: Option[] = POLICY_ACTIONS.map((a) => ({ value: a, label: a }));

export interface EvaluateDefaults {
  subject: string;
  action: string;
  target: string;
}

const control =
  'block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand-600 aria-invalid:border-red-500';

export function EvaluateForm({
  action,
  environment,
  subjects,
  targets,
  defaults,
  policiesHref,
}: {
  action: (prev: EvaluateState, input: FormData) => Promise<EvaluateState>;
  /** The environment selected in the header: where members and roles are asked about. */
  environment: { id: string; name: string } | null;
  subjects: { agents: Option[]; members: Option[]; roles: Option[] };
  targets: readonly string[];
  defaults: EvaluateDefaults;
  policiesHref: string;
}) {
  const [state, formAction, pending] = useActionState<EvaluateState, FormData>(action, {});
  const v = state.values ?? {};
  const subjectErrors = errorsAt(state.fields, 'subject', 'agent_id', 'environment_id');
  return (
    <div className="space-y-6">
      <form action={formAction} aria-label="Evaluate a request" className="space-y-4" noValidate>
        {environment && <input type="hidden" name="environment_id" value={environment.id} />}
        <FormStatus state={state} />
        <div key={submissionKey(state)} className="space-y-4">
          <div className="grid gap-4 md:grid-cols-2">
            <div className="space-y-1">
              <label htmlFor="evaluate-subject" className="block text-sm font-medium text-slate-700">
                Subject
              </label>
              <select
                id="evaluate-subject"
                name="subject"
                defaultValue={v.subject ?? defaults.subject}
                aria-invalid={subjectErrors ? true : undefined}
                aria-describedby={describedBy('evaluate-subject', true, subjectErrors)}
                className={control}
              >
                <option value="">— choose an agent, a member or a role —</option>
                <optgroup label={environment ? `Agents in ${environment.name}` : 'Agents'}>
                  {subjects.agents.map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </optgroup>
                <optgroup label="Members">
                  {subjects.members.map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </optgroup>
                <optgroup label="Roles">
                  {subjects.roles.map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </optgroup>
              </select>
              <p id="evaluate-subject-hint" className="text-xs text-slate-600">
                An agent is decided in its own environment; members and roles in{' '}
                {environment ? <strong>{environment.name}</strong> : 'no environment (organization-wide policies only)'}, the
                environment chosen in the header.
              </p>
              {subjectErrors && (
                <p id="evaluate-subject-error" className="text-sm text-red-600">
                  {subjectErrors.join(' ')}
                </p>
              )}
            </div>
            <HintedSelect
              label="Action"
              name="action"
              id="evaluate-action"
              options={ACTIONS}
              defaultValue={v.action ?? defaults.action}
              errors={errorsAt(state.fields, 'action')}
            />
          </div>
          <div>
            <HintedInput
              label="Target"
              name="target"
              id="evaluate-target"
              list="evaluate-targets"
              spellCheck={false}
              autoComplete="off"
              placeholder="tool:<connection>/<tool>"
              defaultValue={v.target ?? defaults.target}
              errors={errorsAt(state.fields, 'target')}
              hint="One target, no globs: tool:<connection>/<tool>, resource:<name>, prompt:<name>…"
            />
            <Suggestions id="evaluate-targets" values={targets} />
          </div>
          <div className="grid gap-4 md:grid-cols-[1fr_16rem]">
            <ListTextarea
              label="Input (JSON, optional)"
              name="input"
              id="evaluate-input"
              rows={3}
              placeholder='{"text": "hello"}'
              defaultValue={v.input ?? ''}
              errors={nestedErrors(state.fields, 'input', 'context.input')}
              hint="The call's arguments, for rules with input conditions."
            />
            <HintedInput
              label="Time (UTC, optional)"
              name="now"
              id="evaluate-now"
              type="datetime-local"
              defaultValue={v.now ?? ''}
              errors={errorsAt(state.fields, 'now', 'context.now')}
              hint="For time-window conditions; now when empty."
            />
          </div>
        </div>
        <Button type="submit" disabled={pending}>
          {pending ? 'Evaluating…' : 'Evaluate'}
        </Button>
      </form>
      {state.result && <EvaluateAnswer result={state.result} policiesHref={policiesHref} answer={submissionKey(state)} />}
    </div>
  );
}

function EvaluateAnswer({ result, policiesHref, answer }: { result: EvaluateResult; policiesHref: string; answer: number }) {
  const { matched } = result;
  const policyHref = matched.policy_id ? `${policiesHref}/${matched.policy_id}` : null;
  return (
    <section
      aria-labelledby="evaluate-result-heading"
      aria-live="polite"
      data-testid="evaluate-result"
      data-answer={answer}
      className={`space-y-3 rounded-lg border p-5 ${result.decision === 'allow' ? 'border-emerald-300 bg-emerald-50/40' : 'border-red-300 bg-red-50/40'}`}
    >
      <h3 id="evaluate-result-heading" className="flex flex-wrap items-center gap-3 text-base font-semibold">
        <DecisionBadge decision={result.decision} large />
        <span className="font-mono text-sm font-normal">
          {result.request.action} on {result.request.target}
        </span>
      </h3>
      <p className="text-sm font-medium" data-testid="evaluate-reason">
        {result.reason}
      </p>
      <div>
        <p className="text-xs font-medium uppercase tracking-wide text-slate-500">Explanation</p>
        <p className="font-mono text-sm break-words" data-testid="evaluate-explanation">
          {result.explanation}
        </p>
      </div>
      <dl className="grid gap-x-6 gap-y-1 text-sm sm:grid-cols-[10rem_1fr]">
        <dt className="text-slate-600">Deciding policy</dt>
        <dd>
          {policyHref ? (
            <Link href={policyHref} className="font-medium text-brand-600 hover:underline" data-testid="evaluate-policy-link">
              Open the policy
            </Link>
          ) : (
            <span className="text-slate-500">none — denied by default</span>
          )}
        </dd>
        {policyHref && (
          <>
            <dt className="text-slate-600">Rule</dt>
            <dd>
              {matched.rule_id ? (
                <Link href={`${policyHref}#rule-${matched.rule_id}`} className="font-mono text-xs text-brand-600 hover:underline" data-testid="evaluate-rule-link">
                  {matched.rule_id}
                </Link>
              ) : (
                <span className="text-slate-600">a short-form entry</span>
              )}
            </dd>
            <dt className="text-slate-600">Binding</dt>
            <dd>
              {matched.binding_id ? (
                <Link href={`${policyHref}#binding-${matched.binding_id}`} className="font-mono text-xs text-brand-600 hover:underline">
                  {matched.binding_id}
                </Link>
              ) : (
                <span className="text-slate-600">none — the policy has no bindings</span>
              )}
            </dd>
            <dt className="text-slate-600">Priority</dt>
            <dd>{result.priority}</dd>
          </>
        )}
        <dt className="text-slate-600">Environment</dt>
        <dd>{result.request.environment_type ?? <span className="text-slate-500">none (organization-wide policies only)</span>}</dd>
      </dl>
    </section>
  );
}
