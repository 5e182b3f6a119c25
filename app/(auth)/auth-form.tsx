'use client';
// The sign-in and sign-up forms: server actions with field errors, usable without JavaScript.
import Link from 'next/link';
import { useActionState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { loginAction, registerAction, type FormState } from './actions';

export function LoginForm() {
  const [state, action, pending] = useActionState<FormState, FormData>(loginAction, {});
  return (
    <form action={action} className="space-y-4" noValidate>
      {state.message && <Alert>{state.message}</Alert>}
      <Field label="Email" name="email" type="email" autoComplete="email" required defaultValue={state.values?.email} errors={state.fields?.email} />
      <Field label="Password" name="password" type="password" autoComplete="current-password" required errors={state.fields?.password} />
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </Button>
      <p className="text-center text-sm text-slate-600">
        No account yet?{' '}
        <Link href="/register" className="font-medium text-brand-600 hover:underline">
          Create one
        </Link>
      </p>
    </form>
  );
}

export function RegisterForm() {
  const [state, action, pending] = useActionState<FormState, FormData>(registerAction, {});
  return (
    <form action={action} className="space-y-4" noValidate>
      {state.message && <Alert>{state.message}</Alert>}
      <div className="grid grid-cols-2 gap-3">
        <Field label="First name" name="first_name" autoComplete="given-name" defaultValue={state.values?.first_name} errors={state.fields?.first_name} />
        <Field label="Last name" name="last_name" autoComplete="family-name" defaultValue={state.values?.last_name} errors={state.fields?.last_name} />
      </div>
      <Field label="Email" name="email" type="email" autoComplete="email" required defaultValue={state.values?.email} errors={state.fields?.email} />
      <Field label="Password" name="password" type="password" autoComplete="new-password" required minLength={8} errors={state.fields?.password} />
      <Field label="Confirm password" name="password_confirm" type="password" autoComplete="new-password" required errors={state.fields?.password_confirm} />
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? 'Creating account…' : 'Create account'}
      </Button>
      <p className="text-center text-sm text-slate-600">
        Already registered?{' '}
        <Link href="/login" className="font-medium text-brand-600 hover:underline">
          Sign in
        </Link>
      </p>
    </form>
  );
}
