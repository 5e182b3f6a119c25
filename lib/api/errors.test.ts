// The error contract of ARCHITECTURE.md: code → status, headers carried through, database
// constraint violations turned into 409/400, and unknown errors masked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '@/test/helpers/db';
import { users } from '@/db/schema';
import { AppError, ERROR_STATUS, errorBody, fromDatabaseError, rateLimited, unauthenticated, type ErrorCode } from './errors';
import { errorResponse } from './route';

async function bodyOf(res: Response) {
  return (await res.json()) as { error: { code: string; message: string; details: Record<string, unknown>; request_id?: string } };
}

describe('errorResponse', () => {
  it.each(Object.entries(ERROR_STATUS) as [ErrorCode, number][])('answers %s with %i', async (code, status) => {
    const res = errorResponse(new AppError(code, `a ${code} error`, { hint: 1 }), 'req-1');
    expect(res.status).toBe(status);
    const body = await bodyOf(res);
    expect(body.error).toEqual({ code, message: `a ${code} error`, details: { hint: 1 }, request_id: 'req-1' });
  });

  it('sends Retry-After with a rate-limit answer', async () => {
    const res = errorResponse(rateLimited(17), 'req-2');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('17');
    expect((await bodyOf(res)).error.details).toEqual({ retry_after: 17 });
  });

  it('sends WWW-Authenticate with an unauthenticated answer', () => {
    const res = errorResponse(unauthenticated(), 'req-3');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('masks an unknown error as a 500 without its message', async () => {
    const res = errorResponse(new Error('connection to db failed: password=supersecret'), 'req-4');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('supersecret');
    expect(text).not.toContain('connection to db failed');
    expect(JSON.parse(text).error).toMatchObject({ code: 'internal', message: 'Internal server error', request_id: 'req-4' });
  });

  it('masks thrown non-Error values too', async () => {
    const res = errorResponse('supersecret string', 'req-5');
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('supersecret');
  });

  it('maps a database error that reaches the route', async () => {
    const res = errorResponse(Object.assign(new Error('dup'), { code: '23505', constraint: 'things_name_unique' }), 'r');
    expect(res.status).toBe(409);
    expect((await bodyOf(res)).error.details).toEqual({ constraint: 'things_name_unique' });
  });
});

describe('errorBody', () => {
  it('leaves request_id out when there is none', () => {
    expect(errorBody(new AppError('not_found', 'gone'))).toEqual({
      error: { code: 'not_found', message: 'gone', details: {} },
    });
  });
});

describe('fromDatabaseError', () => {
  const pgError = (code: string, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(`pg ${code}`), { code, ...extra });

  it('maps a unique violation (23505) to 409 conflict with the constraint', () => {
    const mapped = fromDatabaseError(pgError('23505', { constraint_name: 'users_email_unique' }));
    expect(mapped).toBeInstanceOf(AppError);
    expect(mapped?.code).toBe('conflict');
    expect(mapped?.status).toBe(409);
    expect(mapped?.details).toEqual({ constraint: 'users_email_unique' });
  });

  it.each(['23503', '23514', '23502', '22P02'])('maps %s to 400 invalid_input', (code) => {
    const mapped = fromDatabaseError(pgError(code));
    expect(mapped?.code).toBe('invalid_input');
    expect(mapped?.status).toBe(400);
    expect(mapped?.details).toEqual({});
  });

  it('finds the SQLSTATE under a wrapping error, as DrizzleQueryError wraps the driver error', () => {
    const driver = pgError('23505', { constraint: 'api_tokens_hash_unique' });
    const wrapped = new Error('Failed query: insert into ...', { cause: driver });
    const twiceWrapped = new Error('outer', { cause: wrapped });
    expect(fromDatabaseError(wrapped)?.status).toBe(409);
    expect(fromDatabaseError(twiceWrapped)?.details).toEqual({ constraint: 'api_tokens_hash_unique' });
  });

  it('returns undefined for errors that are not from the database', () => {
    expect(fromDatabaseError(new Error('boom'))).toBeUndefined();
    expect(fromDatabaseError(Object.assign(new Error('fs'), { code: 'ENOENT' }))).toBeUndefined();
    expect(fromDatabaseError(pgError('40001'))).toBeUndefined(); // a SQLSTATE we do not map
    expect(fromDatabaseError(undefined)).toBeUndefined();
    expect(fromDatabaseError('23505')).toBeUndefined();
  });

  describe('on a real database', () => {
    let handle: TestDb;
    beforeAll(async () => {
      // The test database (embedded, or Postgres with TEST_DATABASE_URL): both must map the same way.
      handle = await createTestDb();
    });
    afterAll(async () => {
      await handle?.close();
    });

    it('turns a duplicate email insert into 409 naming the constraint', async () => {
      await handle.db.insert(users).values({ email: 'dup@example.com', password: 'x' });
      // The unique index is on lower(email), so a different case still collides.
      const thrown = await handle.db
        .insert(users)
        .values({ email: 'DUP@example.com', password: 'x' })
        .then(() => undefined, (error: unknown) => error);
      expect(thrown).toBeDefined();
      const mapped = fromDatabaseError(thrown);
      expect(mapped?.status).toBe(409);
      expect(mapped?.code).toBe('conflict');
      expect(mapped?.details).toEqual({ constraint: 'users_email_unique' });
    });
  });
});
