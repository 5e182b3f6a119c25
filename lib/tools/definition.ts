// A tool's definition as the gateway approves it: description, input schema, output schema and
// annotations. Its hash (sha256 of canonical JSON) is what a sync compares with the approved one,
// so that an upstream cannot silently redefine what agents may call.
import { createHash } from 'node:crypto';

export interface ToolDefinition {
  description: string | null;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown> | null;
  annotations: Record<string, unknown>;
}

export const DEFINITION_PARTS = ['description', 'input_schema', 'output_schema', 'annotations'] as const;
export type DefinitionPart = (typeof DEFINITION_PARTS)[number];

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function definitionHash(d: ToolDefinition): string {
  return createHash('sha256')
    .update(canonicalJson({ description: d.description, inputSchema: d.inputSchema, outputSchema: d.outputSchema, annotations: d.annotations }))
    .digest('hex');
}

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

const propertyNames = (schema: Record<string, unknown> | null): Record<string, unknown> => {
  const props = schema?.properties;
  return props && typeof props === 'object' && !Array.isArray(props) ? (props as Record<string, unknown>) : {};
};

const LIST_CAP = 50;

/**
 * What changed between the approved definition and a new one, for the audit event and the review
 * screen: the parts, and for the input schema the top-level properties added, removed or changed
 * — a summary, never the schemas themselves.
 */
export function definitionDiff(approved: ToolDefinition, next: ToolDefinition): { changed: DefinitionPart[]; input_schema?: { added: string[]; removed: string[]; changed: string[]; other: boolean } } {
  const changed: DefinitionPart[] = [];
  if ((approved.description ?? null) !== (next.description ?? null)) changed.push('description');
  if (!same(approved.inputSchema, next.inputSchema)) changed.push('input_schema');
  if (!same(approved.outputSchema, next.outputSchema)) changed.push('output_schema');
  if (!same(approved.annotations, next.annotations)) changed.push('annotations');
  if (!changed.includes('input_schema')) return { changed };
  const [a, b] = [propertyNames(approved.inputSchema), propertyNames(next.inputSchema)];
  const added = Object.keys(b).filter((k) => !(k in a));
  const removed = Object.keys(a).filter((k) => !(k in b));
  const changedProps = Object.keys(b).filter((k) => k in a && !same(a[k], b[k]));
  const rest = (s: Record<string, unknown>) => ({ ...s, properties: undefined });
  return {
    changed,
    input_schema: {
      added: added.slice(0, LIST_CAP),
      removed: removed.slice(0, LIST_CAP),
      changed: changedProps.slice(0, LIST_CAP),
      // required, additionalProperties, $defs…: something besides the properties changed.
      other: !same(rest(approved.inputSchema), rest(next.inputSchema)),
    },
  };
}
