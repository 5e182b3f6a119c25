// Is this JSON a usable tool input schema? Checked on every write through the Tools API and on
// every sync, because run inputs are later validated against it: it must be an object schema that
// ajv compiles (draft 2020-12 — MCP's default — or draft-07, chosen by `$schema`), it may refer
// only to itself (`#…`: a remote `$ref` would make the gateway fetch, or trust, someone else's
// document), and it must stay small and shallow enough that compiling it cannot exhaust us.
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';

export const MAX_SCHEMA_DEPTH = 32;
export const MAX_SCHEMA_BYTES = 256 * 1024;

export type SchemaCheck = { ok: true } | { ok: false; error: string };

const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;
const DRAFT_2020 = /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/;
const REF_KEYWORDS = new Set(['$ref', '$dynamicRef', '$recursiveRef']);

// strict: false — upstream schemas carry unknown keywords (x-…, examples in odd places); they are
// annotations, not errors. validateFormats off: formats are checked at run time, not here.
// The compiled function is thrown away (this only asks "does it compile?"), so no code
// optimisation: it more than halves the time per schema, which a 1,000-tool sync feels.
const options = { strict: false, allErrors: false, validateFormats: false, addUsedSchema: false, code: { optimize: false } } as const;
let compilers: { draft07: Ajv; draft2020: Ajv2020 } | undefined;
const ajv = () => (compilers ??= { draft07: new Ajv(options), draft2020: new Ajv2020(options) });

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Depth of nesting and the first non-local reference, in one walk. */
function walk(value: unknown, depth: number): { depth: number; remoteRef?: string } {
  if (depth > MAX_SCHEMA_DEPTH) return { depth };
  if (Array.isArray(value)) {
    let max = depth;
    for (const item of value) {
      const r = walk(item, depth + 1);
      if (r.remoteRef !== undefined || r.depth > MAX_SCHEMA_DEPTH) return r;
      max = Math.max(max, r.depth);
    }
    return { depth: max };
  }
  if (isPlainObject(value)) {
    let max = depth;
    for (const [key, item] of Object.entries(value)) {
      if (REF_KEYWORDS.has(key) && typeof item === 'string' && !item.startsWith('#')) return { depth, remoteRef: item };
      const r = walk(item, depth + 1);
      if (r.remoteRef !== undefined || r.depth > MAX_SCHEMA_DEPTH) return r;
      max = Math.max(max, r.depth);
    }
    return { depth: max };
  }
  return { depth };
}

export function checkToolSchema(schema: unknown): SchemaCheck {
  if (!isPlainObject(schema)) return { ok: false, error: 'The schema must be a JSON object' };
  if (schema.type !== 'object') return { ok: false, error: 'A tool input schema must have "type": "object"' };
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(schema));
  } catch {
    return { ok: false, error: 'The schema is not serializable JSON' };
  }
  if (size > MAX_SCHEMA_BYTES) return { ok: false, error: `The schema is larger than ${MAX_SCHEMA_BYTES} bytes` };
  const shape = walk(schema, 1);
  if (shape.depth > MAX_SCHEMA_DEPTH) return { ok: false, error: `The schema is nested deeper than ${MAX_SCHEMA_DEPTH} levels` };
  if (shape.remoteRef !== undefined) return { ok: false, error: 'The schema may only refer to itself ($ref starting with "#")' };
  const dialect = schema.$schema;
  let compiler: Ajv | Ajv2020;
  if (dialect === undefined || (typeof dialect === 'string' && DRAFT_2020.test(dialect))) compiler = ajv().draft2020;
  else if (typeof dialect === 'string' && DRAFT_07.test(dialect)) compiler = ajv().draft07;
  else return { ok: false, error: 'Unsupported $schema: use JSON Schema draft 2020-12 (the default) or draft-07' };
  try {
    compiler.compile(schema);
    return { ok: true };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: `The schema does not compile: ${message.slice(0, 300)}` };
  } finally {
    // Compiled schemas are cached by object identity; these are checked once, not kept.
    compiler.removeSchema(schema);
  }
}
