// Inputs the policy forms need beyond components/agents/fields: a textarea whose messages are a
// list (one per short-form line or condition key), a checkbox, and a datalist of suggestions.
import type { ReactNode, TextareaHTMLAttributes } from 'react';
import { describedBy } from '@/components/agents/field-errors';

const control =
  'block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm shadow-sm focus:border-brand-600 aria-invalid:border-red-500';

/** A labelled textarea (monospace: policies are code) with a hint and one line per message. */
export function ListTextarea({
  label,
  name,
  id,
  hint,
  errors,
  ...props
}: { label: string; name: string; id: string; hint?: ReactNode; errors?: string[] } & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <textarea
        id={id}
        name={name}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy(id, Boolean(hint), errors)}
        className={control}
        {...props}
      />
      {hint && (
        <p id={`${id}-hint`} className="text-xs text-slate-600">
          {hint}
        </p>
      )}
      {errors?.length ? (
        <ul id={`${id}-error`} className="space-y-0.5 text-sm text-red-600">
          {errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** A checkbox that submits `true` when ticked and nothing when not. */
export function CheckboxField({ label, name, id, defaultChecked, hint }: { label: string; name: string; id: string; defaultChecked: boolean; hint?: ReactNode }) {
  return (
    <div className="space-y-1">
      <div className="flex items-center gap-2">
        <input
          type="checkbox"
          id={id}
          name={name}
          value="true"
          defaultChecked={defaultChecked}
          aria-describedby={hint ? `${id}-hint` : undefined}
          className="h-4 w-4 rounded border-slate-300"
        />
        <label htmlFor={id} className="text-sm font-medium text-slate-700">
          {label}
        </label>
      </div>
      {hint && (
        <p id={`${id}-hint`} className="text-xs text-slate-600">
          {hint}
        </p>
      )}
    </div>
  );
}

export function Suggestions({ id, values }: { id: string; values: readonly string[] }) {
  return (
    <datalist id={id}>
      {values.map((v) => (
        <option key={v} value={v} />
      ))}
    </datalist>
  );
}
