// zod issues become the {fields: {...}} map every 400 answer carries.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from './errors';
import { fieldErrors, parseInput } from './validation';

const schema = z.strictObject({
  name: z.string().min(1, 'Required'),
  settings: z.strictObject({
    limits: z.array(z.strictObject({ max: z.number().int() })),
  }),
});

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseInput', () => {
  it('returns the parsed value when the input is valid', () => {
    const input = { name: 'a', settings: { limits: [{ max: 3 }] } };
    expect(parseInput(schema, input)).toEqual(input);
  });

  it('throws a 400 AppError naming every bad field', () => {
    const error = caught(() => parseInput(schema, { name: '', settings: { limits: [{ max: 1.5 }] } }));
    expect(error).toBeInstanceOf(AppError);
    const appError = error as AppError;
    expect(appError.status).toBe(400);
    expect(appError.code).toBe('invalid_input');
    const fields = (appError.details as { fields: Record<string, string[]> }).fields;
    expect(Object.keys(fields).sort()).toEqual(['name', 'settings.limits.0.max']);
    expect(fields.name).toEqual(['Required']);
  });
});

describe('fieldErrors', () => {
  it("lists each unknown key as 'Unknown field', at its nested path", () => {
    const result = schema.safeParse({ name: 'a', role: 'admin', extra: 1, settings: { limits: [], hidden: true } });
    expect(result.success).toBe(false);
    expect(fieldErrors(result.error!)).toEqual({
      role: ['Unknown field'],
      extra: ['Unknown field'],
      'settings.hidden': ['Unknown field'],
    });
  });

  it("puts errors about the whole value under '_root'", () => {
    const result = schema.safeParse('not an object');
    expect(Object.keys(fieldErrors(result.error!))).toEqual(['_root']);
  });

  it('collects several messages for one field', () => {
    const twoRules = z.object({ code: z.string().min(5, 'Too short').regex(/^\d+$/, 'Digits only') });
    const result = twoRules.safeParse({ code: 'ab' });
    expect(fieldErrors(result.error!)).toEqual({ code: ['Too short', 'Digits only'] });
  });
});
