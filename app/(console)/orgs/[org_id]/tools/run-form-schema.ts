// The "run a tool" form: what the browser sends (text), read into what executeTool takes, and the
// input skeleton the form starts from.
import { z } from 'zod';

const MAX_INPUT_TEXT = 1_000_000;

export const runToolForm = z.strictObject({
  tool_id: z.uuid('Not a tool id'),
  agent_id: z.string().trim().min(1, 'Choose the agent to run the tool as').pipe(z.uuid('Choose the agent to run the tool as')),
  // The arguments as JSON; empty is {}. Named like the API's field, so the pipeline's field
  // errors (input_data.text…) land on this textarea.
  input_data: z
    .string()
    .max(MAX_INPUT_TEXT, 'Too long')
    .transform((text, ctx) => {
      if (!text.trim()) return {} as Record<string, unknown>;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'Not valid JSON' });
        return z.NEVER;
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        ctx.addIssue({ code: 'custom', message: 'Must be a JSON object, e.g. {"text": "hello"}' });
        return z.NEVER;
      }
      return value as Record<string, unknown>;
    }),
  timeout_seconds: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? Number(v) : undefined))
    .pipe(z.number('Must be a number of seconds').positive('Must be more than 0').max(3600, 'At most 3600').optional()),
});

export type RunToolFormInput = z.output<typeof runToolForm>;

interface SchemaNode {
  type?: unknown;
  default?: unknown;
  enum?: unknown;
  const?: unknown;
  properties?: unknown;
}

/** A value of the right shape for one property: its default, its first allowed value, or an empty one. */
function placeholderFor(node: SchemaNode, depth: number): unknown {
  if (node.default !== undefined) return node.default;
  if (node.const !== undefined) return node.const;
  if (Array.isArray(node.enum) && node.enum.length) return node.enum[0];
  const type = Array.isArray(node.type) ? node.type.find((t) => t !== 'null') : node.type;
  switch (type) {
    case 'string':
      return '';
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object':
      return depth < 3 ? skeletonOf(node, depth + 1) : {};
    default:
      return null;
  }
}

function skeletonOf(schema: SchemaNode, depth: number): Record<string, unknown> {
  const properties = schema.properties && typeof schema.properties === 'object' ? (schema.properties as Record<string, unknown>) : {};
  return Object.fromEntries(
    Object.entries(properties).map(([name, node]) => [name, placeholderFor(node && typeof node === 'object' ? (node as SchemaNode) : {}, depth)]),
  );
}

/** The input a run starts from: every property of the tool's input schema, with a placeholder value. */
export function inputSkeleton(schema: unknown): string {
  const skeleton = schema && typeof schema === 'object' ? skeletonOf(schema as SchemaNode, 0) : {};
  return JSON.stringify(skeleton, null, 2);
}
