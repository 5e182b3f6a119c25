// Validating a call's input against the tool's input schema. One compiled validator per tool
// definition, kept in a bounded LRU (compiling is the slow part; a schema changes only through a
// sync or an approval, which changes its hash). Draft 2020-12 by default, draft-07 when the schema
// says so — the same dialect rule as lib/tools/schema-check.ts, which admitted the schema.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;
const MAX_CACHED = 2_000;

// allErrors so an agent learns every bad field at once; strict off for upstream annotations.
const options = { strict: false, allErrors: true, addUsedSchema: false } as const;
let compilers: { draft07: Ajv; draft2020: Ajv2020 } | undefined;
function ajv() {
  if (!compilers) {
    const draft07 = new Ajv(options);
    const draft2020 = new Ajv2020(options);
    addFormats(draft07);
    addFormats(draft2020);
    compilers = { draft07, draft2020 };
  }
  return compilers;
}

const cache = new Map<string, ValidateFunction>();

function validatorFor(key: string, schema: Record<string, unknown>): ValidateFunction {
  const hit = cache.get(key);
  if (hit) {
    // Refresh its place: the map's order is the eviction order.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const compiler = typeof schema.$schema === 'string' && DRAFT_07.test(schema.$schema) ? ajv().draft07 : ajv().draft2020;
  const validate = compiler.compile(schema);
  cache.set(key, validate);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  return validate;
}

/** `/a/0/b` → `a.0.b`; the missing property of a `required` error is named as the field. */
function fieldOf(error: ErrorObject): string {
  const base = error.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') base.push(String((error.params as { missingProperty: string }).missingProperty));
  if (error.keyword === 'additionalProperties') base.push(String((error.params as { additionalProperty: string }).additionalProperty));
  return base.length ? base.join('.') : '_root';
}

export type InputCheck = { ok: true } | { ok: false; fields: Record<string, string[]> };

/**
 * Checks `input` against the schema; `key` identifies the definition (tool id + definition hash)
 * so a changed schema gets a fresh validator.
 */
export function checkInput(key: string, schema: Record<string, unknown>, input: unknown): InputCheck {
  let validate: ValidateFunction;
  try {
    validate = validatorFor(key, schema);
  } catch {
    return { ok: false, fields: { _schema: ["The tool's input schema does not compile; an admin must fix or re-sync the tool"] } };
  }
  if (validate(input)) return { ok: true };
  const fields: Record<string, string[]> = {};
  for (const error of validate.errors ?? []) {
    const at = fieldOf(error);
    const message = error.keyword === 'required' ? 'Required' : error.keyword === 'additionalProperties' ? 'Unknown field' : (error.message ?? 'Invalid');
    const list = (fields[at] ??= []);
    if (!list.includes(message)) list.push(message);
  }
  return { ok: false, fields };
}
