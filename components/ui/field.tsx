import type { InputHTMLAttributes } from 'react';

/** A labelled input with its error messages announced to screen readers. */
export function Field({
  label,
  name,
  id = name,
  errors,
  ...props
}: InputHTMLAttributes<HTMLInputElement> & { label: string; name: string; errors?: string[] }) {
  const errorId = errors?.length ? `${id}-error` : undefined;
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <input
        id={id}
        name={name}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={errorId}
        className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand-600 aria-invalid:border-red-500"
        {...props}
      />
      {errorId && (
        <p id={errorId} className="text-sm text-red-600">
          {errors!.join(' ')}
        </p>
      )}
    </div>
  );
}
