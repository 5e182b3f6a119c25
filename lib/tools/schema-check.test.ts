import { describe, expect, it } from 'vitest';
import { checkToolSchema, MAX_SCHEMA_DEPTH } from './schema-check';

const nested = (levels: number): Record<string, unknown> => {
  let s: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < levels; i++) s = { type: 'object', properties: { x: s } };
  return s;
};

describe('checkToolSchema', () => {
  it('accepts object schemas of draft 2020-12 (default) and draft-07, with local refs', () => {
    expect(checkToolSchema({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] })).toEqual({ ok: true });
    expect(checkToolSchema({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', definitions: { s: { type: 'string' } }, properties: { a: { $ref: '#/definitions/s' } } })).toEqual({ ok: true });
    expect(checkToolSchema({ type: 'object', $defs: { s: { type: 'string' } }, properties: { a: { $ref: '#/$defs/s' } }, 'x-extra': 1 })).toEqual({ ok: true });
  });

  it('refuses non-object, remote refs, unknown dialects, deep, large and uncompilable schemas', () => {
    expect(checkToolSchema([])).toMatchObject({ ok: false });
    expect(checkToolSchema({ type: 'string' })).toMatchObject({ ok: false, error: expect.stringContaining('"type": "object"') });
    expect(checkToolSchema({ type: 'object', properties: { a: { $ref: 'https://evil.example/s.json' } } })).toMatchObject({ ok: false, error: expect.stringContaining('$ref') });
    expect(checkToolSchema({ type: 'object', $schema: 'https://example.com/custom' })).toMatchObject({ ok: false, error: expect.stringContaining('$schema') });
    expect(checkToolSchema(nested(MAX_SCHEMA_DEPTH))).toMatchObject({ ok: false, error: expect.stringContaining('deeper') });
    expect(checkToolSchema(nested(10))).toEqual({ ok: true });
    expect(checkToolSchema({ type: 'object', description: 'x'.repeat(300 * 1024) })).toMatchObject({ ok: false, error: expect.stringContaining('larger') });
    expect(checkToolSchema({ type: 'object', properties: { a: { type: 'strin' } } })).toMatchObject({ ok: false, error: expect.stringContaining('compile') });
    expect(checkToolSchema({ type: 'object', properties: { a: { $ref: '#/$defs/missing' } } })).toMatchObject({ ok: false });
    expect(checkToolSchema({ type: 'object', required: 'a' })).toMatchObject({ ok: false });
  });
});
