// zod issues -> the field map every 400 answer uses: {"fields": {"email": ["Invalid email"]}}.
import type { z } from 'zod';
import { invalidInput, type AppError } from './errors';

export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const at = [...issue.path, key].join('.');
        (fields[at] ??= []).push('Unknown field');
      }
      continue;
    }
    const at = issue.path.length ? issue.path.join('.') : '_root';
    (fields[at] ??= []).push(issue.message);
  }
  return fields;
}

export function toInvalidInput(error: z.ZodError): AppError {
  return invalidInput(fieldErrors(error));
}

/** Parses input with a schema or throws a 400 AppError naming every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw toInvalidInput(result.error);
  return result.data;
}
