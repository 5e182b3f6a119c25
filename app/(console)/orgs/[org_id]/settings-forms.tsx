'use client';
import { useActionState } from 'react';
import { FormStatus } from '@/components/console/form-status';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import type { ActionState, BoundFormAction } from '@/lib/auth/org-action';

export function RenameOrganizationForm({ name, action }: { name: string; action: BoundFormAction }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  return (
    <form action={formAction} className="space-y-3" noValidate>
      <FormStatus state={state} />
      <div className="flex flex-wrap items-end gap-3">
        <div className="min-w-64 flex-1">
          {/* Keyed by the saved name so the input shows it after a rename. */}
          <Field
            key={name}
            label="Name"
            name="name"
            id="org-name"
            required
            maxLength={150}
            defaultValue={state.values?.name ?? name}
            errors={state.fields?.name}
          />
        </div>
        <Button type="submit" disabled={pending}>
          {pending ? 'Saving…' : 'Rename'}
        </Button>
      </div>
    </form>
  );
}
