// Unique-index violations that reach a service despite its own checks (two requests racing for
// the same name) become the same 409 the check would have answered, naming the field.
import { AppError, fromDatabaseError } from '@/lib/api/errors';

/** constraint name → [field, message] */
export type UniqueFields = Record<string, [field: string, message: string]>;

/** Runs `write`; a violation of one of `fields`' constraints is rethrown as a 409 naming its field. */
export async function withUniqueFields<T>(fields: UniqueFields, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const mapped = fromDatabaseError(error);
    const constraint = mapped?.code === 'conflict' ? mapped.details.constraint : undefined;
    const field = typeof constraint === 'string' ? fields[constraint] : undefined;
    if (field) throw new AppError('conflict', field[1], { fields: { [field[0]]: [field[1]] } });
    throw error;
  }
}
