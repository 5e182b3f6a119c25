'use client';
import Link from 'next/link';
import { useActionState, useState } from 'react';
import { AgentFields, fieldValues, NEW_AGENT_VALUES, type AgentFieldValues } from '@/components/agents/agent-fields';
import { errorsAt } from '@/components/agents/field-errors';
import { HintedInput, HintedSelect, HintedTextarea } from '@/components/agents/fields';
import { OneTimeToken } from '@/components/agents/one-time-token';
import { ScopeCheckboxes } from '@/components/agents/scope-checkboxes';
import { submissionKey } from '@/components/agents/submission-key';
import { FormStatus } from '@/components/console/form-status';
import type { Option } from '@/components/console/select-field';
import { Button } from '@/components/ui/button';
import type { ActionState, BoundFormAction } from '@/lib/auth/org-action';
import type { IssuedTokenState } from './actions';

interface Choices {
  secrets: readonly Option[] | null;
  connections: readonly Option[];
  secretsHref: string;
}

export function CreateAgentForm({ action, environmentId, ...choices }: Choices & { action: BoundFormAction; environmentId: string }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <input type="hidden" name="environment_id" value={environmentId} />
      <FormStatus state={state} />
      <AgentFields
        key={submissionKey(state)}
        idPrefix="new-agent"
        values={fieldValues(NEW_AGENT_VALUES, state.values)}
        fields={state.fields}
        isNew
        {...choices}
      />
      {errorsAt(state.fields, 'environment_id') && (
        <p className="text-sm text-red-600">{errorsAt(state.fields, 'environment_id')!.join(' ')}</p>
      )}
      <Button type="submit" disabled={pending}>
        {pending ? 'Creating…' : 'Create agent'}
      </Button>
    </form>
  );
}

export function EditAgentForm({
  action,
  agentId,
  values,
  ...choices
}: Choices & { action: BoundFormAction; agentId: string; values: AgentFieldValues }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <input type="hidden" name="agent_id" value={agentId} />
      <FormStatus state={state} />
      <AgentFields
        key={submissionKey(state)}
        idPrefix={`agent-${agentId}`}
        values={fieldValues(values, state.values)}
        fields={state.fields}
        isNew={false}
        {...choices}
      />
      <Button type="submit" disabled={pending}>
        {pending ? 'Saving…' : 'Save agent'}
      </Button>
    </form>
  );
}

type TokenAction = (prev: IssuedTokenState, input: FormData) => Promise<IssuedTokenState>;

/**
 * create-axcore: agent, service account, deny-by-default policy and first token at once. The token
 * is shown once; "Done" remounts the form, which forgets it.
 */
export function AxcoreForm(props: { action: TokenAction; environmentId: string; orgId: string; lifetimes: readonly Option[]; defaultLifetime: string }) {
  const [round, setRound] = useState(0);
  return <AxcoreFormRound key={round} {...props} onDone={() => setRound((r) => r + 1)} />;
}

function AxcoreFormRound({
  action,
  environmentId,
  orgId,
  lifetimes,
  defaultLifetime,
  onDone,
}: {
  action: TokenAction;
  environmentId: string;
  orgId: string;
  lifetimes: readonly Option[];
  defaultLifetime: string;
  onDone: () => void;
}) {
  const [state, formAction, pending] = useActionState<IssuedTokenState, FormData>(action, {});
  if (state.issued && state.agent) {
    return (
      <OneTimeToken issued={state.issued} title={`Agent ${state.agent.name} created`} onDone={onDone}>
        <p className="text-sm text-slate-700">
          {state.ok}{' '}
          <Link href={`/orgs/${orgId}/agents/${state.agent.id}`} className="font-medium text-brand-600 hover:underline">
            Open agent {state.agent.name}
          </Link>
        </p>
      </OneTimeToken>
    );
  }
  const v = state.values ?? {};
  const err = (...names: string[]) => errorsAt(state.fields, ...names);
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <input type="hidden" name="environment_id" value={environmentId} />
      <input type="hidden" name="mode" value="CALLER" />
      <FormStatus state={state} />
      <div key={submissionKey(state)} className="space-y-4">
        <div className="grid gap-4 sm:grid-cols-2">
          <HintedInput label="Name" name="name" id="axcore-name" required maxLength={128} defaultValue={v.name} errors={err('name')} hint="Unique in this environment." />
          <HintedInput
            label="Slug (optional)"
            name="slug"
            id="axcore-slug"
            maxLength={64}
            spellCheck={false}
            defaultValue={v.slug}
            errors={err('slug')}
            hint="Leave empty to derive it from the name; unique in this environment, ignoring case."
          />
        </div>
        <HintedTextarea label="Description (optional)" name="description" id="axcore-description" rows={2} defaultValue={v.description} errors={err('description')} />
        <p className="text-sm text-slate-600">
          The agent is a CALLER with inbound auth NONE (platform tokens only); change that on its page later. RUNNER agents
          need a connection, which can be created once connections exist.
        </p>
        <ScopeCheckboxes
          legend="Scopes its service account allows"
          idPrefix="axcore-scope"
          checked={() => false}
          submitted={state.values}
          errors={err('scope_allowlist', 'scopes')}
          hint="None ticked: its tokens may carry any scope. The first token gets every allowed scope."
        />
        <HintedSelect
          label="First token's lifetime"
          name="ttl_seconds"
          id="axcore-ttl"
          options={lifetimes}
          defaultValue={v.ttl_seconds ?? defaultLifetime}
          errors={err('ttl_seconds', 'token')}
        />
        {err('environment_id', 'mode', 'policy') && <p className="text-sm text-red-600">{err('environment_id', 'mode', 'policy')!.join(' ')}</p>}
      </div>
      <Button type="submit" disabled={pending}>
        {pending ? 'Creating…' : 'Create with defaults'}
      </Button>
    </form>
  );
}
