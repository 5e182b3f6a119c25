// What a tool returned, made safe to store and return: every credential the gateway sent to the
// upstream for this call is replaced wherever it appears (an upstream may echo its environment or
// headers — server-everything's get-env does exactly that), and the whole is capped in size.
// Content keeps its MCP shape; a capped result says so instead of being cut mid-JSON.

export const REDACTED = '[REDACTED]';

/** Replaces each sensitive value in every string of `value` (keys included), longest first. */
export function redact<T>(value: T, secrets: readonly string[]): T {
  const list = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  if (!list.length) return value;
  const scrub = (s: string): string => {
    let out = s;
    for (const secret of list) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrub(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, item]) => [scrub(k), walk(item)]));
    return v;
  };
  return walk(value) as T;
}

export interface ToolOutput {
  content: unknown[];
  structuredContent?: unknown;
  /** The upstream result's own `_meta`, passed on to MCP callers as it came (after redaction). */
  meta?: Record<string, unknown>;
  isError: boolean;
  truncated: boolean;
  /** The gateway left out the structured content (too large), which made this an error result. */
  structureDropped?: boolean;
  /** Size of the result as returned by the upstream (after redaction), in bytes of JSON. */
  bytes: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Caps a tool result at `maxBytes` of JSON: content items are kept whole while they fit; the
 * rest are replaced by one text item saying how much was left out. Structured content and
 * `_meta` are dropped then; a result that had structured content becomes an error result, since
 * without it the result no longer matches the tool's output schema (clients validate it).
 */
export function capOutput(result: { content?: unknown; structuredContent?: unknown; isError?: unknown; _meta?: unknown }, maxBytes: number): ToolOutput {
  const content = Array.isArray(result.content) ? result.content : [];
  const isError = result.isError === true;
  const full = {
    content,
    ...(result.structuredContent !== undefined ? { structuredContent: result.structuredContent } : {}),
    ...(isRecord(result._meta) ? { meta: result._meta } : {}),
  };
  const bytes = Buffer.byteLength(JSON.stringify(full));
  if (bytes <= maxBytes) return { ...full, isError, truncated: false, bytes };

  const kept: unknown[] = [];
  let used = 2;
  for (const item of content) {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (used + size > maxBytes - 300) break;
    kept.push(item);
    used += size;
  }
  const lostStructure = result.structuredContent !== undefined;
  kept.push({
    type: 'text',
    text:
      `[AgentxSuite: the tool's result was ${bytes} bytes; it was truncated to the first ${kept.length} of ${content.length} content item(s) to stay under ${maxBytes} bytes` +
      (lostStructure ? '; its structured content was left out' : '') +
      ']',
  });
  return { content: kept, isError: isError || lostStructure, truncated: true, ...(lostStructure && !isError ? { structureDropped: true } : {}), bytes };
}
