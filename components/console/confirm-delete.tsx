'use client';
// Deleting something that takes everything inside it along: the form sits behind a disclosure and
// asks for the name to be typed. The server compares the name again; this only prevents slips.
import { useActionState } from 'react';
import { Field } from '@/components/ui/field';
import type { ActionState, BoundFormAction } from '@/lib/auth/org-action';
import { FormStatus } from './form-status';

export function ConfirmDelete({
  action,
  name,
  what,
  consequence,
  hidden = {},
  idPrefix,
}: {
  action: BoundFormAction;
  /** What must be typed: the thing's current name. */
  name: string;
  /** "organization", "environment" */
  what: string;
  consequence: string;
  hidden?: Record<string, string>;
  idPrefix: string;
}) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  const failed = Boolean(state.message || state.fields);
  return (
    // Re-opened after a refusal so the message is seen, also after a round trip without JavaScript.
    <details className="group" open={failed || undefined}>
      <summary className="inline-flex cursor-pointer list-none rounded-md border border-red-300 px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-red-50">
        Delete {what}…
      </summary>
      <form action={formAction} className="mt-3 max-w-md space-y-3 rounded-md border border-red-200 bg-red-50/40 p-4">
        {Object.entries(hidden).map(([k, v]) => (
          <input key={k} type="hidden" name={k} value={v} />
        ))}
        <FormStatus state={state} />
        <p className="text-sm text-slate-700">{consequence}</p>
        <Field
          label={`Type ${name} to confirm`}
          name="confirm"
          id={`${idPrefix}-confirm`}
          autoComplete="off"
          required
          errors={state.fields?.confirm}
        />
        <button
          type="submit"
          disabled={pending}
          className="inline-flex items-center justify-center rounded-md bg-red-600 px-4 py-2 text-sm font-medium text-white hover:bg-red-700 disabled:opacity-60"
        >
          {pending ? 'Deleting…' : `Delete this ${what}`}
        </button>
      </form>
    </details>
  );
}
