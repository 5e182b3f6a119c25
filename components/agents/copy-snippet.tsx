'use client';
// A block of text to paste elsewhere (a config, a command, a URL): shown in a read-only field that
// selects itself when focused, with a copy button. Where the clipboard is not available (an
// insecure origin, a denied permission) the button says so and selects the text for a manual copy.
import { useEffect, useRef, useState } from 'react';

type Outcome = 'idle' | 'copied' | 'failed';

export function CopySnippet({
  id,
  label,
  value,
  multiline = true,
  copyLabel,
  describedBy,
}: {
  id: string;
  label: string;
  value: string;
  multiline?: boolean;
  /** The button's accessible name; default "Copy <label>". */
  copyLabel?: string;
  describedBy?: string;
}) {
  const [outcome, setOutcome] = useState<Outcome>('idle');
  const field = useRef<HTMLTextAreaElement & HTMLInputElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setOutcome('copied');
    } catch {
      setOutcome('failed');
      field.current?.focus();
      field.current?.select();
    }
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => setOutcome('idle'), 2500);
  };

  const fieldProps = {
    id,
    readOnly: true,
    value,
    spellCheck: false,
    autoComplete: 'off',
    'aria-describedby': describedBy,
    onFocus: (e: React.FocusEvent<HTMLTextAreaElement | HTMLInputElement>) => e.currentTarget.select(),
    className: 'block w-full min-w-0 rounded-md border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-xs text-slate-800',
  };
  // Documents keep their lines; a long one-line command wraps instead of hiding its end.
  const lines = value.split('\n').length;
  const rows = lines > 1 ? Math.min(lines, 16) : 3;

  return (
    <div className="space-y-1" data-testid={`snippet-${id}`}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <label htmlFor={id} className="text-sm font-medium text-slate-700">
          {label}
        </label>
        <div className="flex items-center gap-2">
          <span role="status" aria-live="polite" className="text-xs">
            {outcome === 'copied' && <span className="sr-only">Copied</span>}
            {outcome === 'failed' && <span className="font-medium text-amber-800">No clipboard here: the text is selected, copy it with Ctrl+C / ⌘C</span>}
          </span>
          <button
            type="button"
            onClick={copy}
            aria-label={copyLabel ?? `Copy ${label}`}
            className="rounded-md border border-slate-300 bg-white px-3 py-1 text-sm font-medium text-slate-700 hover:bg-slate-100"
          >
            {outcome === 'copied' ? 'Copied' : 'Copy'}
          </button>
        </div>
      </div>
      {multiline ? <textarea ref={field} rows={rows} wrap={lines > 1 ? 'off' : 'soft'} {...fieldProps} /> : <input ref={field} type="text" {...fieldProps} />}
    </div>
  );
}
