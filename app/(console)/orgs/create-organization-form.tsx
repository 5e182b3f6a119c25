'use client';
import { useActionState } from 'react';
import { FormStatus } from '@/components/console/form-status';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import type { ActionState } from '@/lib/auth/org-action';
import { createOrganizationAction } from './actions';

/** On success the action goes to the new organization; this only ever shows refusals. */
export function CreateOrganizationForm() {
  const [state, action, pending] = useActionState<ActionState, FormData>(createOrganizationAction, {});
  return (
    <form action={action} className="flex flex-wrap items-end gap-3" noValidate>
      <div className="w-full">
        <FormStatus state={state} />
      </div>
      <div className="min-w-64 flex-1">
        <Field
          label="Organization name"
          name="name"
          id="new-org-name"
          required
          maxLength={150}
          defaultValue={state.values?.name}
          errors={state.fields?.name}
        />
      </div>
      <Button type="submit" disabled={pending}>
        {pending ? 'Creating…' : 'Create organization'}
      </Button>
    </form>
  );
}
