// Browser sessions on the API: the Auth.js cookie authenticates, a password change ends it, and
// unsafe requests must come from our own origin.
import { encode } from 'next-auth/jwt';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import * as meRoute from '@/app/api/v1/auth/me/route';
import * as registerRoute from '@/app/api/v1/auth/register/route';
import { users } from '@/db/schema';
import { getAuthSecret } from '@/lib/auth/keys';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';

const t = setupTestDb();
const COOKIE = 'authjs.session-token';

async function sessionCookie(claims: Record<string, unknown>) {
  const token = await encode({ token: claims, secret: getAuthSecret(), salt: COOKIE, maxAge: 3600 });
  return `${COOKIE}=${token}`;
}

async function newUser() {
  const res = await call(registerRoute.POST, 'POST', '/api/v1/auth/register', {
    body: { email: `s${Date.now()}${Math.random()}@example.com`, password: 'long enough pw' },
  });
  const [row] = await t.db.select().from(users).where(eq(users.id, res.body.user.id));
  return row!;
}

describe('session cookie', () => {
  it('authenticates API reads', async () => {
    const user = await newUser();
    const cookie = await sessionCookie({ uid: user.id, sv: user.sessionVersion });
    const res = await call(meRoute.GET, 'GET', '/api/v1/auth/me', { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(user.id);
  });

  it('stops working when the session version moves (password change)', async () => {
    const user = await newUser();
    const cookie = await sessionCookie({ uid: user.id, sv: user.sessionVersion });
    await t.db.update(users).set({ sessionVersion: sql`${users.sessionVersion} + 1` }).where(eq(users.id, user.id));
    expect((await call(meRoute.GET, 'GET', '/api/v1/auth/me', { headers: { cookie } })).status).toBe(401);
  });

  it('ignores a cookie signed with another secret', async () => {
    const user = await newUser();
    const forged = await encode({ token: { uid: user.id, sv: 1 }, secret: 'x'.repeat(40), salt: COOKIE });
    const res = await call(meRoute.GET, 'GET', '/api/v1/auth/me', { headers: { cookie: `${COOKIE}=${forged}` } });
    expect(res.status).toBe(401);
  });

  it('refuses unsafe cross-site requests and accepts same-origin ones', async () => {
    const user = await newUser();
    const cookie = await sessionCookie({ uid: user.id, sv: user.sessionVersion });
    const body = { first_name: 'Changed' };
    const noOrigin = await call(meRoute.PATCH, 'PATCH', '/api/v1/auth/me', { headers: { cookie }, body });
    expect(noOrigin.status).toBe(403);
    const crossSite = await call(meRoute.PATCH, 'PATCH', '/api/v1/auth/me', {
      headers: { cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      body,
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.error.details.reason).toBe('csrf');
    const sameOrigin = await call(meRoute.PATCH, 'PATCH', '/api/v1/auth/me', {
      headers: { cookie, origin: 'http://localhost:3000' },
      body,
    });
    expect(sameOrigin.status).toBe(200);
    const fetchMeta = await call(meRoute.PATCH, 'PATCH', '/api/v1/auth/me', {
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
      body,
    });
    expect(fetchMeta.status).toBe(200);
    expect(fetchMeta.body.first_name).toBe('Changed');
  });

  it('sends no CORS headers, so no other origin may read answers with credentials', async () => {
    const res = await call(meRoute.GET, 'GET', '/api/v1/auth/me', { headers: { origin: 'https://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });
});
