// Statements of constant text run as prepared statements, for the hot path.
//
// Drizzle hands postgres-js every query it did not name with `prepare: false`, and postgres-js
// then sends a statement with parameters in two round trips (describe, then bind and execute).
// A statement given here is prepared once per connection and afterwards costs one round trip.
// Only for statements whose text never changes (parameters carry everything that varies): each
// distinct text stays prepared on every connection for the connection's life.
import type { Db } from './client';

interface PostgresJsClient {
  unsafe(text: string, params: unknown[], options: { prepare: boolean }): Promise<Record<string, unknown>[]>;
}
interface PGliteClient {
  query<T>(text: string, params: unknown[]): Promise<{ rows: T[] }>;
}

export async function runPrepared<T extends Record<string, unknown>>(db: Db, text: string, params: unknown[]): Promise<T[]> {
  const client = (db as unknown as { $client: PostgresJsClient | PGliteClient }).$client;
  if ('unsafe' in client) return (await client.unsafe(text, params, { prepare: true })) as T[];
  return (await client.query<T>(text, params)).rows;
}
