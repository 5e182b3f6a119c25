// The review of a tool redefined upstream: per part of the definition (description, input schema,
// output schema, annotations), a unified line diff of the approved text against the pending one.
// Both sides are pretty JSON with sorted keys, so only real changes show up.
import { prettyJson } from './pretty-json';

export interface DefinitionSide {
  description: string | null;
  input_schema: unknown;
  output_schema: unknown;
  annotations: unknown;
}

export type DiffLine = { kind: 'same' | 'added' | 'removed'; text: string };

/** Beyond this many lines per side the diff would cost too much (LCS is quadratic): whole sides are shown instead. */
const MAX_LINES = 2_000;

/** A unified line diff (longest common subsequence). */
export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length > MAX_LINES || b.length > MAX_LINES) {
    return [...a.map((text) => ({ kind: 'removed' as const, text })), ...b.map((text) => ({ kind: 'added' as const, text }))];
  }
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs: Uint32Array[] = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) {
      out.push({ kind: 'removed', text: a[i++]! });
    } else {
      out.push({ kind: 'added', text: b[j++]! });
    }
  }
  while (i < a.length) out.push({ kind: 'removed', text: a[i++]! });
  while (j < b.length) out.push({ kind: 'added', text: b[j++]! });
  return out;
}

const PARTS = [
  { key: 'description', label: 'Description' },
  { key: 'input_schema', label: 'Input schema' },
  { key: 'output_schema', label: 'Output schema' },
  { key: 'annotations', label: 'Annotations' },
] as const;

const textOf = (side: DefinitionSide, key: (typeof PARTS)[number]['key']) =>
  key === 'description' ? (side.description ?? '') : prettyJson(side[key] ?? null);

const LINE_STYLES = {
  same: 'text-slate-600',
  added: 'bg-emerald-50 text-emerald-900',
  removed: 'bg-red-50 text-red-900',
};
const MARKS = { same: ' ', added: '+', removed: '-' };

export function DefinitionDiff({ approved, pending }: { approved: DefinitionSide; pending: DefinitionSide }) {
  const parts = PARTS.map((p) => {
    const before = textOf(approved, p.key);
    const after = textOf(pending, p.key);
    return { ...p, changed: before !== after, lines: before === after ? [] : lineDiff(before, after) };
  });
  return (
    <div className="space-y-4" data-testid="definition-diff">
      <p className="text-xs text-slate-600">
        Lines marked <span className="bg-red-50 px-1 font-mono text-red-900">-</span> are in the approved definition only,
        lines marked <span className="bg-emerald-50 px-1 font-mono text-emerald-900">+</span> in the new one only.
      </p>
      {parts.map((p) => (
        <section key={p.key} aria-label={`${p.label} changes`} className="rounded-md border border-slate-200">
          <h3 className="flex items-center gap-2 border-b border-slate-200 px-3 py-2 text-sm font-medium">
            {p.label}
            <span className={`rounded px-2 py-0.5 text-xs ${p.changed ? 'bg-amber-100 text-amber-900' : 'bg-slate-100 text-slate-600'}`}>
              {p.changed ? 'changed' : 'unchanged'}
            </span>
          </h3>
          {p.changed && (
            <pre className="max-h-[32rem] overflow-auto p-0 font-mono text-xs" data-testid={`diff-${p.key}`}>
              {p.lines.map((line, n) => (
                <div key={n} className={`px-3 whitespace-pre-wrap ${LINE_STYLES[line.kind]}`} data-kind={line.kind}>
                  <span aria-hidden="true" className="mr-2 select-none">
                    {MARKS[line.kind]}
                  </span>
                  <span className="sr-only">{line.kind === 'same' ? '' : `${line.kind}: `}</span>
                  {line.text}
                </div>
              ))}
            </pre>
          )}
        </section>
      ))}
    </div>
  );
}
