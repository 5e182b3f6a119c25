// The account endpoints end to end through their route handlers, on a real database.
import { beforeEach, describe, expect, it } from 'vitest';
import * as loginRoute from '@/app/api/v1/auth/login/route';
import * as logoutRoute from '@/app/api/v1/auth/logout/route';
import * as meOrgsRoute from '@/app/api/v1/auth/me/orgs/route';
import * as meRoute from '@/app/api/v1/auth/me/route';
import * as registerRoute from '@/app/api/v1/auth/register/route';
import { resetAuthLimiter } from '@/lib/accounts/throttle';
import { resetEnvCache } from '@/lib/env';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';

setupTestDb();

let counter = 0;
const uniqueEmail = () => `user${++counter}-${Date.now()}@example.com`;
const PASSWORD = 'correct horse battery';

async function register(email = uniqueEmail(), extra: Record<string, unknown> = {}) {
  return call(registerRoute.POST, 'POST', '/api/v1/auth/register/', {
    body: { email, password: PASSWORD, first_name: 'Ada', last_name: 'Lovelace', ...extra },
  });
}

beforeEach(() => {
  resetAuthLimiter();
  delete process.env.SIGNUP_MODE;
  resetEnvCache();
});

describe('register', () => {
  it('creates the first account as instance administrator and signs it in', async () => {
    const res = await register('First@Example.com');
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email: 'first@example.com', first_name: 'Ada', is_instance_admin: true });
    expect(res.body.token).toMatch(/^axs_u_[A-Za-z0-9_-]{43}$/);
    expect(res.body.user).not.toHaveProperty('password');
    const second = await register();
    expect(second.body.user.is_instance_admin).toBe(false);
  });

  it('answers 409 for an email already registered, whatever its case', async () => {
    const email = uniqueEmail();
    expect((await register(email)).status).toBe(201);
    const res = await register(email.toUpperCase());
    expect(res.status).toBe(409);
    expect(res.body.error.details.fields.email).toBeDefined();
  });

  it('names every bad field, including unknown ones', async () => {
    const res = await call(registerRoute.POST, 'POST', '/api/v1/auth/register/', {
      body: { email: 'not-an-email', password: 'short', is_instance_admin: true },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
    expect(Object.keys(res.body.error.details.fields).sort()).toEqual(['email', 'is_instance_admin', 'password']);
  });

  it('checks password_confirm and caps the password length', async () => {
    const mismatch = await register(uniqueEmail(), { password_confirm: 'something else' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.details.fields.password_confirm).toBeDefined();
    const huge = await register(uniqueEmail(), { password: 'x'.repeat(257) });
    expect(huge.status).toBe(400);
    expect(huge.body.error.details.fields.password).toBeDefined();
  });

  it('refuses malformed JSON, a wrong content type and oversize bodies', async () => {
    const malformed = await call(registerRoute.POST, 'POST', '/api/v1/auth/register/', { rawBody: '{"email": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid_json');
    const wrongType = await call(registerRoute.POST, 'POST', '/api/v1/auth/register/', {
      rawBody: 'email=a',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(wrongType.status).toBe(415);
    const big = await call(registerRoute.POST, 'POST', '/api/v1/auth/register/', {
      rawBody: JSON.stringify({ email: 'a@b.co', password: PASSWORD, first_name: 'x'.repeat(1024 * 1024) }),
    });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('payload_too_large');
  });

  it('honours SIGNUP_MODE=closed after the first account', async () => {
    await register();
    process.env.SIGNUP_MODE = 'closed';
    resetEnvCache();
    const res = await register();
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/closed/);
  });

  it('honours SIGNUP_MODE=invite: only invited emails may register', async () => {
    await register();
    process.env.SIGNUP_MODE = 'invite';
    resetEnvCache();
    const res = await register();
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/invitation/);
  });

  it('throttles sign-ups per client', async () => {
    process.env.AUTH_THROTTLE_PER_CLIENT = '2';
    resetEnvCache();
    try {
      const headers = { 'x-axs-peer-ip': '203.0.113.9' };
      for (let i = 0; i < 2; i++) {
        const ok = await call(registerRoute.POST, 'POST', '/api/v1/auth/register/', {
          body: { email: uniqueEmail(), password: PASSWORD },
          headers,
        });
        expect(ok.status).toBe(201);
      }
      const res = await call(registerRoute.POST, 'POST', '/api/v1/auth/register/', {
        body: { email: uniqueEmail(), password: PASSWORD },
        headers,
      });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      delete process.env.AUTH_THROTTLE_PER_CLIENT;
      resetEnvCache();
    }
  });
});

describe('login and logout', () => {
  it('issues a working token, and logout kills it', async () => {
    const email = uniqueEmail();
    await register(email);
    const login = await call(loginRoute.POST, 'POST', '/api/v1/auth/login/', { body: { email, password: PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.body.user.email).toBe(email);
    const token = login.body.token as string;
    expect((await call(meRoute.GET, 'GET', '/api/v1/auth/me/', { token })).status).toBe(200);
    // Bearer works as well as Token.
    const bearer = await call(meRoute.GET, 'GET', '/api/v1/auth/me/', { headers: { authorization: `Bearer ${token}` } });
    expect(bearer.status).toBe(200);
    const out = await call(logoutRoute.POST, 'POST', '/api/v1/auth/logout/', { token });
    expect(out.status).toBe(200);
    const after = await call(meRoute.GET, 'GET', '/api/v1/auth/me/', { token });
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('gives the same answer for a wrong password and an unknown email', async () => {
    const email = uniqueEmail();
    await register(email);
    const wrong = await call(loginRoute.POST, 'POST', '/api/v1/auth/login/', { body: { email, password: 'nope-nope-nope' } });
    const unknown = await call(loginRoute.POST, 'POST', '/api/v1/auth/login/', {
      body: { email: uniqueEmail(), password: 'nope-nope-nope' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
  });

  it('throttles repeated attempts on one account', async () => {
    process.env.AUTH_THROTTLE_PER_ACCOUNT = '3';
    resetEnvCache();
    try {
      const email = uniqueEmail();
      await register(email);
      for (let i = 0; i < 3; i++) {
        const res = await call(loginRoute.POST, 'POST', '/api/v1/auth/login/', { body: { email, password: 'wrong-password' } });
        expect(res.status).toBe(401);
      }
      const blocked = await call(loginRoute.POST, 'POST', '/api/v1/auth/login/', { body: { email, password: PASSWORD } });
      expect(blocked.status).toBe(429);
      expect(blocked.headers.get('retry-after')).toBeTruthy();
    } finally {
      delete process.env.AUTH_THROTTLE_PER_ACCOUNT;
      resetEnvCache();
    }
  });

  it('answers 401 without, or with a malformed, credential', async () => {
    expect((await call(meRoute.GET, 'GET', '/api/v1/auth/me/')).status).toBe(401);
    expect((await call(logoutRoute.POST, 'POST', '/api/v1/auth/logout/')).status).toBe(401);
    expect((await call(meRoute.GET, 'GET', '/api/v1/auth/me/', { token: 'garbage' })).status).toBe(401);
    const forged = `axs_u_${'A'.repeat(43)}`;
    expect((await call(meRoute.GET, 'GET', '/api/v1/auth/me/', { token: forged })).status).toBe(401);
    expect((await call(meRoute.GET, 'GET', '/api/v1/auth/me/', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
  });
});

describe('me', () => {
  it('shows and updates the profile; a password change ends other tokens', async () => {
    const email = uniqueEmail();
    const { body } = await register(email);
    const token = body.token as string;
    const other = (await call(loginRoute.POST, 'POST', '/api/v1/auth/login/', { body: { email, password: PASSWORD } })).body.token;

    const me = await call(meRoute.GET, 'GET', '/api/v1/auth/me/', { token });
    expect(me.body).toMatchObject({ email, first_name: 'Ada', organizations: [] });

    const patched = await call(meRoute.PATCH, 'PATCH', '/api/v1/auth/me/', { token, body: { first_name: 'Grace' } });
    expect(patched.status).toBe(200);
    expect(patched.body.first_name).toBe('Grace');

    const noCurrent = await call(meRoute.PATCH, 'PATCH', '/api/v1/auth/me/', { token, body: { new_password: 'another long one' } });
    expect(noCurrent.status).toBe(400);
    const badCurrent = await call(meRoute.PATCH, 'PATCH', '/api/v1/auth/me/', {
      token,
      body: { new_password: 'another long one', current_password: 'wrong' },
    });
    expect(badCurrent.status).toBe(400);
    expect(badCurrent.body.error.details.fields.current_password).toEqual(['Incorrect password']);

    const changed = await call(meRoute.PATCH, 'PATCH', '/api/v1/auth/me/', {
      token,
      body: { new_password: 'another long one', current_password: PASSWORD },
    });
    expect(changed.status).toBe(200);
    expect((await call(meRoute.GET, 'GET', '/api/v1/auth/me/', { token })).status).toBe(200);
    expect((await call(meRoute.GET, 'GET', '/api/v1/auth/me/', { token: other })).status).toBe(401);
    const relogin = await call(loginRoute.POST, 'POST', '/api/v1/auth/login/', { body: { email, password: 'another long one' } });
    expect(relogin.status).toBe(200);
  });

  it('PUT needs the whole profile and an email change needs the password', async () => {
    const email = uniqueEmail();
    const token = (await register(email)).body.token as string;
    const partial = await call(meRoute.PUT, 'PUT', '/api/v1/auth/me/', { token, body: { first_name: 'X' } });
    expect(partial.status).toBe(400);
    expect(Object.keys(partial.body.error.details.fields).sort()).toEqual(['email', 'last_name']);
    const newEmail = uniqueEmail();
    const noPassword = await call(meRoute.PUT, 'PUT', '/api/v1/auth/me/', {
      token,
      body: { email: newEmail, first_name: 'A', last_name: 'B' },
    });
    expect(noPassword.status).toBe(400);
    const ok = await call(meRoute.PUT, 'PUT', '/api/v1/auth/me/', {
      token,
      body: { email: newEmail, first_name: 'A', last_name: 'B', current_password: PASSWORD },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ email: newEmail, first_name: 'A', last_name: 'B' });
  });

  it('refuses to take an email that another account holds', async () => {
    const taken = uniqueEmail();
    await register(taken);
    const token = (await register()).body.token as string;
    const res = await call(meRoute.PATCH, 'PATCH', '/api/v1/auth/me/', {
      token,
      body: { email: taken.toUpperCase(), current_password: PASSWORD },
    });
    expect(res.status).toBe(409);
  });

  it('lists the caller organizations (none yet)', async () => {
    const token = (await register()).body.token as string;
    const res = await call(meOrgsRoute.GET, 'GET', '/api/v1/auth/me/orgs/', { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ organizations: [], count: 0 });
  });
});

describe('conventions', () => {
  it('puts a request id on every answer and keeps a sane caller-supplied one', async () => {
    const res = await call(meRoute.GET, 'GET', '/api/v1/auth/me/', { headers: { 'x-request-id': 'trace-12345678' } });
    expect(res.headers.get('x-request-id')).toBe('trace-12345678');
    expect(res.body.error.request_id).toBe('trace-12345678');
    const other = await call(meRoute.GET, 'GET', '/api/v1/auth/me/', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(other.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('unknown paths', () => {
  it('answer a JSON 404 in the error shape', async () => {
    const { GET } = await import('@/app/api/v1/[...path]/route');
    const res = await call(GET, 'GET', '/api/v1/no/such/thing/');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'not_found', message: 'No API endpoint at /api/v1/no/such/thing/' });
  });
});
