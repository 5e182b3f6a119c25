'use client';
// An on/off switch that is a form: the button submits the opposite of the current state, so it
// works without JavaScript too, and a refusal shows next to it.
import { useActionState } from 'react';
import { FormStatus } from '@/components/console/form-status';
import type { ActionState, BoundFormAction } from '@/lib/auth/org-action';

export function EnabledSwitch({
  action,
  enabled,
  label,
  hidden,
  note,
}: {
  action: BoundFormAction;
  enabled: boolean;
  /** Names the thing: "Agent support-bot enabled". */
  label: string;
  hidden: Record<string, string>;
  note?: React.ReactNode;
}) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  return (
    <form action={formAction} className="space-y-2">
      {Object.entries(hidden).map(([k, v]) => (
        <input key={k} type="hidden" name={k} value={v} />
      ))}
      <input type="hidden" name="enabled" value={enabled ? 'false' : 'true'} />
      <div className="flex items-center gap-3">
        <button
          type="submit"
          role="switch"
          aria-checked={enabled}
          aria-label={label}
          disabled={pending}
          className={`relative inline-flex h-6 w-11 shrink-0 items-center rounded-full transition-colors disabled:opacity-60 ${enabled ? 'bg-emerald-600' : 'bg-slate-300'}`}
        >
          <span className={`inline-block h-5 w-5 rounded-full bg-white shadow transition-transform ${enabled ? 'translate-x-5' : 'translate-x-0.5'}`} />
        </button>
        <span className="text-sm font-medium">{pending ? 'Saving…' : enabled ? 'Enabled' : 'Disabled'}</span>
      </div>
      {note && <p className="text-xs text-slate-600">{note}</p>}
      <FormStatus state={state} />
    </form>
  );
}
