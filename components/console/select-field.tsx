import type { SelectHTMLAttributes } from 'react';

export interface Option {
  value: string;
  label: string;
}

/** A labelled native select (keyboard and screen-reader friendly) with its error messages. */
export function SelectField({
  label,
  name,
  id = name,
  options,
  errors,
  hideLabel = false,
  ...props
}: SelectHTMLAttributes<HTMLSelectElement> & {
  label: string;
  name: string;
  options: readonly Option[];
  errors?: string[];
  /** For selects whose column or row already says what they are; screen readers still hear it. */
  hideLabel?: boolean;
}) {
  const errorId = errors?.length ? `${id}-error` : undefined;
  return (
    <div className="space-y-1">
      <label htmlFor={id} className={hideLabel ? 'sr-only' : 'block text-sm font-medium text-slate-700'}>
        {label}
      </label>
      <select
        id={id}
        name={name}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={errorId}
        className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand-600 aria-invalid:border-red-500"
        {...props}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {errorId && (
        <p id={errorId} className="text-sm text-red-600">
          {errors!.join(' ')}
        </p>
      )}
    </div>
  );
}
