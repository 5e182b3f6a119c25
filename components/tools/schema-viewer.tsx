// A JSON document (a tool's schema, its annotations) as pretty text behind a disclosure.
import { prettyJson } from './pretty-json';

export function SchemaViewer({ title, value, open = false, testId }: { title: string; value: unknown; open?: boolean; testId?: string }) {
  const empty = value === null || value === undefined || (typeof value === 'object' && Object.keys(value as object).length === 0);
  return (
    <details open={open || undefined} className="rounded-md border border-slate-200">
      <summary className="cursor-pointer px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50">
        {title}
        {empty && <span className="ml-2 text-xs font-normal text-slate-500">(none)</span>}
      </summary>
      <pre className="max-h-[32rem] overflow-auto border-t border-slate-200 bg-slate-50 p-3 font-mono text-xs" data-testid={testId}>
        {prettyJson(value ?? null)}
      </pre>
    </details>
  );
}
