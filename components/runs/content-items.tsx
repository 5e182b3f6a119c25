// A tool's answer as MCP content items: text as text, images as images (from their base64 data),
// anything else (audio, resources, resource links, unknown types) as its JSON. Used by the run
// page and by the "run a tool" form, so it stays a plain component without hooks.

interface Item {
  type?: unknown;
  text?: unknown;
  data?: unknown;
  mimeType?: unknown;
}

const IMAGE_TYPE = /^image\/(png|jpeg|gif|webp|svg\+xml|bmp|avif)$/;
const box = 'max-h-[28rem] overflow-auto rounded-md border border-slate-200 bg-slate-50 p-3 font-mono text-xs whitespace-pre-wrap break-words';

export function ContentItems({ items, testId = 'run-content' }: { items: readonly unknown[]; testId?: string }) {
  if (items.length === 0) return <p className="text-sm text-slate-500">The tool answered with no content.</p>;
  return (
    <ol className="space-y-2" data-testid={testId}>
      {items.map((raw, i) => (
        <li key={i} data-testid="content-item" data-type={typeof (raw as Item)?.type === 'string' ? (raw as Item).type as string : 'unknown'}>
          <ContentItem item={raw} />
        </li>
      ))}
    </ol>
  );
}

function ContentItem({ item }: { item: unknown }) {
  const it = (item ?? {}) as Item;
  if (it.type === 'text' && typeof it.text === 'string') return <pre className={box}>{it.text}</pre>;
  if (it.type === 'image' && typeof it.data === 'string' && typeof it.mimeType === 'string' && IMAGE_TYPE.test(it.mimeType)) {
    return (
      // eslint-disable-next-line @next/next/no-img-element -- inline data from the tool, not a URL next/image could optimize
      <img src={`data:${it.mimeType};base64,${it.data}`} alt={`Image returned by the tool (${it.mimeType})`} className="max-h-96 max-w-full rounded-md border border-slate-200" />
    );
  }
  return (
    <div className="space-y-1">
      <p className="text-xs text-slate-500">{typeof it.type === 'string' ? it.type : 'unknown'} content</p>
      <pre className={box}>{JSON.stringify(item, null, 2)}</pre>
    </div>
  );
}

/** What a run stored or the pipeline returned as output: `{content, structuredContent?, isError, truncated}`. */
export interface RunOutput {
  content: unknown[];
  structuredContent?: unknown;
  isError: boolean;
  truncated: boolean;
}

export function asRunOutput(value: unknown): RunOutput | null {
  if (!value || typeof value !== 'object' || !Array.isArray((value as RunOutput).content)) return null;
  const v = value as Partial<RunOutput>;
  return { content: v.content!, structuredContent: v.structuredContent, isError: v.isError === true, truncated: v.truncated === true };
}

/** The output with its flags: an error result is said as such, a cut one too. */
export function RunOutputView({ output }: { output: RunOutput }) {
  return (
    <div className="space-y-3">
      {(output.isError || output.truncated) && (
        <ul className="space-y-1 text-sm">
          {output.isError && (
            <li className="text-red-700" data-testid="output-is-error">
              The tool reported an error (isError): the call reached it, and it answered with a failure.
            </li>
          )}
          {output.truncated && (
            <li className="text-amber-800" data-testid="output-truncated">
              The answer was larger than the gateway keeps (RUN_MAX_OUTPUT_BYTES) and was cut.
            </li>
          )}
        </ul>
      )}
      <ContentItems items={output.content} />
      {output.structuredContent !== undefined && (
        <details className="rounded-md border border-slate-200">
          <summary className="cursor-pointer px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50">Structured content</summary>
          <pre className="max-h-96 overflow-auto border-t border-slate-200 bg-slate-50 p-3 font-mono text-xs">
            {JSON.stringify(output.structuredContent, null, 2)}
          </pre>
        </details>
      )}
    </div>
  );
}
