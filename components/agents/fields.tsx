// Labelled inputs with an explanation under them (the rule the server enforces, said up front) and
// the server's messages for that field, both announced to screen readers.
import Link from 'next/link';
import type { ComponentProps, InputHTMLAttributes, ReactNode, TextareaHTMLAttributes } from 'react';
import type { Option } from '@/components/console/select-field';
import { describedBy } from './field-errors';

const control =
  'block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand-600 aria-invalid:border-red-500';

function Row({
  id,
  label,
  hint,
  errors,
  hidden,
  children,
}: {
  id: string;
  label: string;
  hint?: ReactNode;
  errors?: string[];
  hidden?: boolean;
  children: ReactNode;
}) {
  return (
    <div className="space-y-1" hidden={hidden}>
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      {children}
      {hint && (
        <p id={`${id}-hint`} className="text-xs text-slate-600">
          {hint}
        </p>
      )}
      {errors?.length ? (
        <p id={`${id}-error`} className="text-sm text-red-600">
          {errors.join(' ')}
        </p>
      ) : null}
    </div>
  );
}

interface Common {
  label: string;
  name: string;
  id: string;
  hint?: ReactNode;
  errors?: string[];
  /** Rendered but not shown: its value is still submitted. */
  hiddenRow?: boolean;
}

export function HintedInput({ label, name, id, hint, errors, hiddenRow, ...props }: Common & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <Row id={id} label={label} hint={hint} errors={errors} hidden={hiddenRow}>
      <input
        id={id}
        name={name}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy(id, Boolean(hint), errors)}
        className={control}
        {...props}
      />
    </Row>
  );
}

export function HintedTextarea({ label, name, id, hint, errors, hiddenRow, ...props }: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <Row id={id} label={label} hint={hint} errors={errors} hidden={hiddenRow}>
      <textarea
        id={id}
        name={name}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy(id, Boolean(hint), errors)}
        className={control}
        {...props}
      />
    </Row>
  );
}

export function HintedSelect({
  label,
  name,
  id,
  hint,
  errors,
  hiddenRow,
  options,
  ...props
}: Common & Omit<ComponentProps<'select'>, 'name' | 'id'> & { options: readonly Option[] }) {
  return (
    <Row id={id} label={label} hint={hint} errors={errors} hidden={hiddenRow}>
      <select
        id={id}
        name={name}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy(id, Boolean(hint), errors)}
        className={control}
        {...props}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Row>
  );
}

/**
 * A secret ref. Admins choose from the organization's secrets (names and refs, never values);
 * others cannot list secrets and paste a ref an admin gave them.
 */
export function SecretRefField({
  secrets,
  secretsHref,
  defaultValue,
  hint,
  ...common
}: Common & {
  /** The organization's secrets, or null when the caller may not list them. */
  secrets: readonly Option[] | null;
  secretsHref: string;
  defaultValue?: string | null;
}) {
  const current = defaultValue ?? '';
  if (!secrets) {
    return (
      <HintedInput
        {...common}
        defaultValue={current}
        placeholder="Secret ref (a UUID)"
        spellCheck={false}
        autoComplete="off"
        hint={
          <>
            {hint} Only admins can list the organization&apos;s secrets: paste the ref an admin gave you.
          </>
        }
      />
    );
  }
  // A ref that is not among the listed secrets (deleted since, or past the first 200) stays choosable.
  const listed = !current || secrets.some((s) => s.value === current);
  const options = [
    { value: '', label: secrets.length ? '— choose a secret —' : '— no secrets stored yet —' },
    ...secrets,
    ...(listed ? [] : [{ value: current, label: `${current} (not in the list)` }]),
  ];
  return (
    <HintedSelect
      {...common}
      options={options}
      defaultValue={current}
      hint={
        <>
          {hint}{' '}
          {secrets.length === 0 ? (
            <>
              This organization has no secrets yet: <Link href={secretsHref} className="font-medium text-brand-600 hover:underline">store one on the Secrets page</Link>.
            </>
          ) : (
            <>
              Values are chosen by ref and never shown; <Link href={secretsHref} className="font-medium text-brand-600 hover:underline">manage secrets</Link>.
            </>
          )}
        </>
      }
    />
  );
}
