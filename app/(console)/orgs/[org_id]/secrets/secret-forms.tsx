'use client';
// Secret store forms. The value field is a password field that is never filled from state: after
// a submission (stored or refused) it is empty, and the value never travels back to the browser.
import { useActionState, useEffect, useRef, useState } from 'react';
import { FormStatus } from '@/components/console/form-status';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import type { ActionState, BoundFormAction } from '@/lib/auth/org-action';
import type { StoreSecretState } from './actions';

type StoreAction = (prev: StoreSecretState, input: FormData) => Promise<StoreSecretState>;

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="rounded-md border border-slate-300 px-2 py-1 text-xs font-medium text-slate-700 hover:bg-slate-100"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setCopied(true);
          setTimeout(() => setCopied(false), 2000);
        } catch {
          setCopied(false);
        }
      }}
    >
      {copied ? 'Copied' : label}
      <span className="sr-only"> {text}</span>
    </button>
  );
}

export function StoreSecretForm({ action }: { action: StoreAction }) {
  const [state, formAction, pending] = useActionState<StoreSecretState, FormData>(action, {});
  const formRef = useRef<HTMLFormElement>(null);
  // React resets the form after an action; this makes sure of it for the value whatever the outcome.
  useEffect(() => {
    const input = formRef.current?.elements.namedItem('value');
    if (input instanceof HTMLInputElement) input.value = '';
  }, [state]);
  return (
    <div className="space-y-4">
      <form ref={formRef} action={formAction} className="space-y-3" noValidate autoComplete="off">
        <FormStatus state={state.stored ? {} : state} />
        <div className="grid items-end gap-3 sm:grid-cols-[16rem_1fr_auto]">
          <Field
            label="Name (optional)"
            name="name"
            id="secret-name"
            maxLength={120}
            defaultValue={state.stored ? undefined : state.values?.name}
            errors={state.fields?.name}
          />
          <Field
            label="Value"
            name="value"
            id="secret-value"
            type="password"
            autoComplete="new-password"
            spellCheck={false}
            required
            errors={state.fields?.value}
          />
          <Button type="submit" disabled={pending}>
            {pending ? 'Storing…' : 'Store secret'}
          </Button>
        </div>
        <p className="text-xs text-slate-500">
          Encrypted at once and never shown again — not here, not in the API, not in the audit trail. Up to 64 KiB.
        </p>
      </form>
      {state.stored && (
        <div role="status" className="rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm" data-testid="stored-secret">
          <p className="font-medium text-emerald-900">{state.ok}</p>
          <p className="mt-1 flex flex-wrap items-center gap-2 text-slate-700">
            Its ref: <code className="rounded bg-white px-1.5 py-0.5 font-mono text-xs" data-testid="stored-secret-ref">{state.stored.secret_ref}</code>
            <CopyButton text={state.stored.secret_ref} label="Copy ref" />
          </p>
          <p className="mt-1 text-xs text-slate-600">Use the ref wherever a secret is asked for (agents, connections, service accounts).</p>
        </div>
      )}
    </div>
  );
}

export function DeleteSecretForm({ action, secret }: { action: BoundFormAction; secret: { secret_ref: string; name: string | null } }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  const failed = Boolean(state.message || state.fields);
  const id = `secret-${secret.secret_ref}-confirm`;
  return (
    <details open={failed || undefined}>
      <summary className="inline-flex cursor-pointer list-none rounded-md border border-red-300 px-3 py-1 text-sm font-medium text-red-700 hover:bg-red-50">
        Delete…<span className="sr-only"> secret {secret.name ?? secret.secret_ref}</span>
      </summary>
      <form action={formAction} className="mt-2 max-w-md space-y-2 rounded-md border border-red-200 bg-red-50/40 p-3">
        <input type="hidden" name="secret_ref" value={secret.secret_ref} />
        <FormStatus state={state} />
        <p className="text-sm text-slate-700">Anything that uses this ref (an agent&apos;s bearer secret, a connection) stops working.</p>
        <label htmlFor={id} className="flex items-center gap-2 text-sm">
          <input id={id} type="checkbox" name="confirm" value="yes" required aria-invalid={state.fields?.confirm ? true : undefined} />
          Delete {secret.name ? `"${secret.name}"` : 'this secret'} for good
        </label>
        {state.fields?.confirm && <p className="text-sm text-red-600">{state.fields.confirm.join(' ')}</p>}
        <button
          type="submit"
          disabled={pending}
          className="inline-flex items-center justify-center rounded-md bg-red-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-700 disabled:opacity-60"
        >
          {pending ? 'Deleting…' : 'Delete secret'}
        </button>
      </form>
    </details>
  );
}

export function RotateKeysForm({ action }: { action: BoundFormAction }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  return (
    <form action={formAction} className="space-y-3">
      <FormStatus state={state} />
      <Button type="submit" variant="secondary" disabled={pending}>
        {pending ? 'Rotating…' : 'Rotate encryption keys'}
      </Button>
    </form>
  );
}
