'use client';
import { useActionState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { changePasswordAction, updateProfileAction, type AccountFormState } from './actions';

export function ProfileForm({ user }: { user: { email: string; first_name: string; last_name: string } }) {
  const [state, action, pending] = useActionState<AccountFormState, FormData>(updateProfileAction, {});
  return (
    <form action={action} className="space-y-4" aria-labelledby="profile-heading">
      {state.message && <Alert>{state.message}</Alert>}
      {state.ok && <Alert tone="info">{state.ok}</Alert>}
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="First name" name="first_name" defaultValue={user.first_name} errors={state.fields?.first_name} />
        <Field label="Last name" name="last_name" defaultValue={user.last_name} errors={state.fields?.last_name} />
      </div>
      <Field label="Email" name="email" type="email" defaultValue={user.email} errors={state.fields?.email} />
      <Field
        label="Current password (only to change the email)"
        name="current_password"
        id="profile-current-password"
        type="password"
        autoComplete="current-password"
        errors={state.fields?.current_password}
      />
      <Button type="submit" disabled={pending}>
        {pending ? 'Saving…' : 'Save profile'}
      </Button>
    </form>
  );
}

export function PasswordForm() {
  const [state, action, pending] = useActionState<AccountFormState, FormData>(changePasswordAction, {});
  return (
    <form action={action} className="space-y-4" aria-labelledby="password-heading">
      {state.message && <Alert>{state.message}</Alert>}
      <Field label="Current password" name="current_password" id="password-current-password" type="password" autoComplete="current-password" required errors={state.fields?.current_password} />
      <Field label="New password" name="new_password" type="password" autoComplete="new-password" required errors={state.fields?.new_password} />
      <Field label="Confirm new password" name="new_password_confirm" type="password" autoComplete="new-password" required errors={state.fields?.new_password_confirm} />
      <p className="text-sm text-slate-600">Changing the password signs you out everywhere, API tokens included.</p>
      <Button type="submit" disabled={pending}>
        {pending ? 'Changing…' : 'Change password'}
      </Button>
    </form>
  );
}
