'use client';
import { useActionState } from 'react';
import { FormStatus } from '@/components/console/form-status';
import { SelectField } from '@/components/console/select-field';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import type { ActionState, BoundFormAction } from '@/lib/auth/org-action';

const TYPES = [
  { value: 'development', label: 'Development' },
  { value: 'staging', label: 'Staging' },
  { value: 'production', label: 'Production' },
] as const;

export function CreateEnvironmentForm({ action }: { action: BoundFormAction }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  return (
    <form action={formAction} className="space-y-3" noValidate>
      <FormStatus state={state} />
      <div className="grid items-end gap-3 sm:grid-cols-[1fr_12rem_auto]">
        <Field
          label="Environment name"
          name="name"
          id="new-env-name"
          required
          maxLength={64}
          defaultValue={state.values?.name}
          errors={state.fields?.name}
        />
        <SelectField
          label="Type"
          name="type"
          id="new-env-type"
          options={TYPES}
          defaultValue={state.values?.type ?? 'development'}
          errors={state.fields?.type}
        />
        <Button type="submit" disabled={pending}>
          {pending ? 'Creating…' : 'Create environment'}
        </Button>
      </div>
    </form>
  );
}

/** Rename or retype one environment; sits behind an "Edit" disclosure in its row. */
export function EditEnvironmentForm({
  env,
  action,
}: {
  env: { id: string; name: string; type: string };
  action: BoundFormAction;
}) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  const failed = Boolean(state.message || state.fields);
  return (
    <details open={failed || undefined}>
      <summary className="inline-flex cursor-pointer list-none rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100">
        Edit<span className="sr-only"> {env.name}</span>
      </summary>
      <form action={formAction} className="mt-3 space-y-3 rounded-md border border-slate-200 p-4" noValidate>
        <input type="hidden" name="env_id" value={env.id} />
        <FormStatus state={state} />
        <Field
          key={env.name}
          label="Name"
          name="name"
          id={`env-${env.id}-name`}
          required
          maxLength={64}
          defaultValue={state.values?.name ?? env.name}
          errors={state.fields?.name}
        />
        <SelectField
          key={env.type}
          label="Type"
          name="type"
          id={`env-${env.id}-type`}
          options={TYPES}
          defaultValue={state.values?.type ?? env.type}
          errors={state.fields?.type}
        />
        <Button type="submit" disabled={pending}>
          {pending ? 'Saving…' : 'Save'}
        </Button>
      </form>
    </details>
  );
}
