'use client';
// Copies a value to the clipboard. The value never goes into the button's text: a token would
// otherwise be read out by screen readers and end up in the page twice.
import { useState } from 'react';

export function CopyButton({ value, label = 'Copy', className = '' }: { value: string; label?: string; className?: string }) {
  const [outcome, setOutcome] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <button
      type="button"
      className={`rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 ${className}`}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(value);
          setOutcome('copied');
        } catch {
          // No clipboard (insecure origin, denied permission): the field stays selectable.
          setOutcome('failed');
        }
        setTimeout(() => setOutcome('idle'), 2500);
      }}
    >
      {outcome === 'copied' ? 'Copied' : outcome === 'failed' ? 'Copy failed: select the text' : label}
    </button>
  );
}
