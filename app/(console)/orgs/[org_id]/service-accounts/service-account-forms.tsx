'use client';
import { useActionState } from 'react';
import { errorsAt } from '@/components/agents/field-errors';
import { HintedInput, HintedSelect, SecretRefField } from '@/components/agents/fields';
import { ScopeCheckboxes } from '@/components/agents/scope-checkboxes';
import { submissionKey } from '@/components/agents/submission-key';
import { FormStatus } from '@/components/console/form-status';
import type { Option } from '@/components/console/select-field';
import { Button } from '@/components/ui/button';
import type { ActionState, BoundFormAction } from '@/lib/auth/org-action';

export interface ServiceAccountValues {
  name: string;
  subject: string;
  issuer: string;
  audience: string;
  environment_id: string;
  credential_ref: string;
  scope_allowlist: string[];
}

interface Choices {
  environments: readonly Option[];
  secrets: readonly Option[] | null;
  secretsHref: string;
  /** The platform's own issuer and audience, as placeholders. */
  platformIssuer: string;
  platformAudience: string;
}

function ServiceAccountFields({
  idPrefix,
  values,
  state,
  isNew,
  environments,
  secrets,
  secretsHref,
  platformIssuer,
  platformAudience,
}: Choices & { idPrefix: string; values: ServiceAccountValues; state: ActionState; isNew: boolean }) {
  const v = state.values;
  const text = (k: Exclude<keyof ServiceAccountValues, 'scope_allowlist'>) => v?.[k] ?? values[k];
  const err = (...names: string[]) => errorsAt(state.fields, ...names);
  return (
    <div className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <HintedInput label="Name" name="name" id={`${idPrefix}-name`} required maxLength={128} defaultValue={text('name')} errors={err('name')} hint="Unique in this organization." />
        <HintedSelect
          label="Environment"
          name="environment_id"
          id={`${idPrefix}-environment`}
          options={[{ value: '', label: 'All environments' }, ...environments]}
          defaultValue={text('environment_id')}
          errors={err('environment_id')}
          hint="Optional: limit it to one environment. The agent it speaks for must live there."
        />
        <HintedInput
          label="Subject"
          name="subject"
          id={`${idPrefix}-subject`}
          required
          maxLength={255}
          spellCheck={false}
          defaultValue={text('subject')}
          errors={err('subject')}
          placeholder="repo:acme/agent:ref:refs/heads/main"
          hint="The sub of the token the workload presents."
        />
        <HintedInput
          label="Issuer"
          name="issuer"
          id={`${idPrefix}-issuer`}
          required
          maxLength={512}
          spellCheck={false}
          defaultValue={text('issuer')}
          errors={err('issuer')}
          placeholder={platformIssuer}
          hint="The iss of that token. Subject and issuer together are unique across all organizations: one external identity never maps to two tenants."
        />
        <HintedInput
          label={isNew ? 'Audience (optional)' : 'Audience'}
          name="audience"
          id={`${idPrefix}-audience`}
          required={!isNew}
          maxLength={255}
          spellCheck={false}
          defaultValue={text('audience')}
          errors={err('audience')}
          placeholder={platformAudience}
          hint={isNew ? `Leave empty for AgentxSuite's own audience (${platformAudience}).` : undefined}
        />
        <SecretRefField
          label="Credential (optional)"
          name="credential_ref"
          id={`${idPrefix}-credential`}
          secrets={secrets}
          secretsHref={secretsHref}
          defaultValue={text('credential_ref')}
          errors={err('credential_ref')}
          hint="A stored secret holding the workload's credential, referred to by ref."
        />
      </div>
      <ScopeCheckboxes
        legend="Scope allowlist"
        idPrefix={`${idPrefix}-scope`}
        checked={(s) => values.scope_allowlist.includes(s)}
        submitted={v}
        errors={err('scope_allowlist')}
        hint="Tokens issued for its agent may carry only these scopes; none ticked means any scope. A change applies to tokens issued from now on."
      />
    </div>
  );
}

const EMPTY: ServiceAccountValues = {
  name: '',
  subject: '',
  issuer: '',
  audience: '',
  environment_id: '',
  credential_ref: '',
  scope_allowlist: [],
};

export function CreateServiceAccountForm({ action, ...choices }: Choices & { action: BoundFormAction }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <FormStatus state={state} />
      <ServiceAccountFields key={submissionKey(state)} idPrefix="new-sa" values={EMPTY} state={state} isNew {...choices} />
      <Button type="submit" disabled={pending}>
        {pending ? 'Creating…' : 'Create service account'}
      </Button>
    </form>
  );
}

/** Behind an "Edit" disclosure in the account's row; reopened after a refusal. */
export function EditServiceAccountForm({ action, id, values, ...choices }: Choices & { action: BoundFormAction; id: string; values: ServiceAccountValues }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  const failed = Boolean(state.message || state.fields);
  return (
    <details open={failed || undefined}>
      <summary className="inline-flex cursor-pointer list-none rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100">
        Edit<span className="sr-only"> {values.name}</span>
      </summary>
      <form action={formAction} className="mt-3 space-y-4 rounded-md border border-slate-200 p-4" noValidate>
        <input type="hidden" name="service_account_id" value={id} />
        <FormStatus state={state} />
        <ServiceAccountFields key={submissionKey(state)} idPrefix={`sa-${id}`} values={values} state={state} isNew={false} {...choices} />
        <Button type="submit" disabled={pending}>
          {pending ? 'Saving…' : 'Save'}
        </Button>
      </form>
    </details>
  );
}
