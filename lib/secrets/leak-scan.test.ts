// The leak scan: secret values (and passwords) marked with distinctive canaries go through every
// endpoint of app/api/v1 — stored, referenced by agents, listed, audited, exported, rotated, sent
// in bad bodies — and then every response (status, headers, body), every row of every table
// (audit_events with all its columns included), every log line and every console message is
// searched for them: in clear, in part, and in the usual encodings. One hit fails the test.
//
// The scan is generic on purpose: routes are discovered from app/api/v1, so an endpoint added
// later is swept too without anyone remembering this file.
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditEvents } from '@/db/schema';
import { resetAuthLimiter } from '@/lib/accounts/throttle';
import { createLogger, setLoggerForTests } from '@/lib/observability/logger';
import { BASE_URL, call, type CallOptions } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import { addMembership, makeOrg, makeUser, type TestUser } from '@/test/helpers/fixtures';
import { resolveSecret } from './service';

const t = setupTestDb();

// ---- canaries and the detector --------------------------------------------------------------

const PREFIX = 'leak-canary-';
const canaries: string[] = [];
function canary(): string {
  const c = `${PREFIX}${randomBytes(12).toString('hex')}`;
  canaries.push(c);
  return c;
}

/** Every form in which a canary counts as leaked: whole, its random part alone, or encoded. */
function leakForms(c: string): string[] {
  const bytes = Buffer.from(c, 'utf8');
  return [c, c.slice(PREFIX.length), bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex'), encodeURIComponent(c)];
}

interface Finding {
  where: string;
  form: string;
  excerpt: string;
}

/** Where a piece of captured text contains a canary (or the marker that starts every canary). */
function findLeaks(where: string, text: string): Finding[] {
  const found: Finding[] = [];
  const check = (form: string) => {
    const at = text.indexOf(form);
    if (at >= 0) found.push({ where, form, excerpt: text.slice(Math.max(0, at - 60), at + form.length + 20) });
  };
  for (const c of canaries) leakForms(c).forEach(check);
  // A cut-off canary (an error quoting part of a body) still carries the start of the marker.
  check(PREFIX.slice(0, 10));
  return found;
}

// ---- capture --------------------------------------------------------------------------------

const responses: { where: string; text: string }[] = [];
const logLines: string[] = [];
const consoleLines: string[] = [];

type Handler = Parameters<typeof call>[0];

/** Calls a route and keeps everything it answered: status, every header, the body. */
async function hit(handler: Handler, method: string, urlPath: string, options: CallOptions = {}) {
  const res = await call(handler, method, urlPath, options);
  const headers = JSON.stringify([...res.headers.entries()]);
  const body = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
  responses.push({ where: `${method} ${urlPath} → ${res.status}`, text: `${res.status}\n${headers}\n${body}` });
  return res;
}

const API_ROOT = path.join(process.cwd(), 'app', 'api', 'v1');
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

function discoverRoutes(dir = API_ROOT): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...discoverRoutes(full));
    else if (entry.name === 'route.ts') found.push(path.relative(API_ROOT, dir).split(path.sep).join('/'));
  }
  return found.sort();
}

const routeModule = async (route: string) => (await import(/* @vite-ignore */ path.join(API_ROOT, route, 'route.ts'))) as Record<string, Handler>;
const routeExists = (route: string) => fs.existsSync(path.join(API_ROOT, route, 'route.ts'));

/** Every row of every table of the application, as JSON text, searched for canaries. */
async function scanDatabase(): Promise<{ findings: Finding[]; auditRows: number }> {
  const rowsOf = (result: unknown) => ((result as { rows?: unknown[] }).rows ?? (result as unknown[])) as Record<string, string>[];
  const tables = rowsOf(
    await t.db.execute(sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`),
  ).map((r) => r.table_name!);
  expect(tables).toEqual(expect.arrayContaining(['audit_events', 'secrets', 'secret_keys', 'users']));
  const findings: Finding[] = [];
  let auditRows = 0;
  for (const table of tables) {
    const rows = rowsOf(await t.db.execute(sql.raw(`select row_to_json(t)::text as row from "${table}" t`)));
    if (table === 'audit_events') auditRows = rows.length;
    for (const { row } of rows) findings.push(...findLeaks(`table ${table}`, row!));
  }
  return { findings, auditRows };
}

// ---- the scenario ---------------------------------------------------------------------------

interface World {
  admin: { token: string; userId: string };
  orgId: string;
  envId: string;
  member: TestUser;
  memberId: string;
  stranger: TestUser;
  refs: string[];
  values: Map<string, string>;
  agentId?: string;
  jti?: string;
  serviceAccountId?: string;
  auditEventId?: string;
}

const w = {} as World;

beforeAll(() => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  setLoggerForTests(createLogger('trace', sink));
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      consoleLines.push(args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    });
  }
});

afterAll(() => {
  setLoggerForTests(undefined);
  vi.restoreAllMocks();
});

describe('secret leak scan', () => {
  it('the detector finds a canary in clear, in part and encoded (so a silent scan means something)', () => {
    const c = canary();
    expect(findLeaks('x', `{"echo":"${c}"}`)).not.toEqual([]);
    expect(findLeaks('x', `…"{"value": ${c.slice(0, 10)}"… is not valid JSON`)).not.toEqual([]);
    expect(findLeaks('x', Buffer.from(c).toString('base64'))).not.toEqual([]);
    expect(findLeaks('x', `token=${encodeURIComponent(c)}`)).not.toEqual([]);
    expect(findLeaks('x', c.slice(PREFIX.length))).not.toEqual([]);
    expect(findLeaks('x', '{"secret_ref":"6f1c…","name":"GitHub"}')).toEqual([]);
  });

  it('accounts, organization, secrets and their errors', async () => {
    const register = await routeModule('auth/register');
    const login = await routeModule('auth/login');
    const orgs = await routeModule('orgs');
    const envs = await routeModule('orgs/[org_id]/environments');
    const store = await routeModule('orgs/[org_id]/connections/store-secret');
    const list = await routeModule('orgs/[org_id]/secrets');
    const detail = await routeModule('orgs/[org_id]/secrets/[secret_ref]');
    resetAuthLimiter();

    // The first account of the instance is its administrator; its password is a canary too.
    const password = canary();
    const email = `leak-admin-${randomUUID().slice(0, 8)}@example.com`;
    const reg = await hit(register.POST, 'POST', '/api/v1/auth/register/', {
      body: { email, password, first_name: 'Leak', last_name: 'Scan' },
    });
    expect(reg.status).toBe(201);
    expect(reg.body.user.is_instance_admin).toBe(true);
    w.admin = { token: reg.body.token, userId: reg.body.user.id };
    await hit(login.POST, 'POST', '/api/v1/auth/login/', { body: { email, password: canary() } }); // wrong password
    await hit(login.POST, 'POST', '/api/v1/auth/login/', { body: { email: 'nobody@example.com', password: canary() } });
    expect((await hit(login.POST, 'POST', '/api/v1/auth/login/', { body: { email, password } })).status).toBe(200);

    const org = await hit(orgs.POST, 'POST', '/api/v1/orgs/', { token: w.admin.token, body: { name: `leak-scan-${randomUUID().slice(0, 6)}` } });
    w.orgId = org.body.id;
    const p = { org_id: w.orgId };
    const env = await hit(envs.POST, 'POST', '/x', { token: w.admin.token, params: p, body: { name: 'prod', type: 'production' } });
    w.envId = env.body.id;
    w.member = await makeUser('leak-member');
    w.memberId = await addMembership(w.orgId, w.member, 'member');
    w.stranger = (await makeOrg(undefined, 'leak-stranger')).owner;

    // Stored values.
    w.refs = [];
    w.values = new Map();
    for (const [name, value] of [
      ['bearer', canary()],
      ['mtls cert', canary()],
      ['mtls key', canary()],
      [undefined, canary()],
      ['big', `${canary()}${'z'.repeat(60 * 1024)}${canary()}`],
    ] as const) {
      const res = await hit(store.POST, 'POST', '/x', { token: w.admin.token, params: p, body: { value, ...(name ? { name } : {}) } });
      expect(res.status).toBe(201);
      w.refs.push(res.body.secret_ref);
      w.values.set(res.body.secret_ref, value);
    }
    for (const [ref, value] of w.values) expect(await resolveSecret({ db: t.db, orgId: w.orgId }, ref)).toBe(value);

    // Refused bodies carrying canaries: in the value, in other fields, in broken JSON, too large.
    const c = canary();
    const refused: [CallOptions, number][] = [
      [{ body: { value: c, extra: c } }, 400],
      [{ body: { value: 12345, note: c } }, 400],
      [{ body: { value: c, name: 'n'.repeat(500) } }, 400],
      [{ body: { value: c, name: { nested: c } } }, 400],
      [{ body: { value: [c] } }, 400],
      [{ body: { value: `${c}${'x'.repeat(64 * 1024)}` } }, 400],
      [{ rawBody: `{"value": ${c}}` }, 400],
      [{ rawBody: `{"value": "${c}", }` }, 400],
      [{ rawBody: `{"value": "${c}"` }, 400],
      [{ rawBody: `value=${c}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415],
      [{ rawBody: JSON.stringify({ value: `${c}${'x'.repeat(1024 * 1024)}` }) }, 413],
    ];
    for (const [options, status] of refused) {
      const res = await hit(store.POST, 'POST', '/x', { token: w.admin.token, params: p, ...options });
      expect(res.status).toBe(status);
    }
    // Refused callers with a value in hand: a member (403, audited), a stranger (404), nobody (401).
    expect((await hit(store.POST, 'POST', '/x', { token: w.member.token, params: p, body: { value: canary() } })).status).toBe(403);
    expect((await hit(store.POST, 'POST', '/x', { token: w.stranger.token, params: p, body: { value: canary() } })).status).toBe(404);
    expect((await hit(store.POST, 'POST', '/x', { params: p, body: { value: canary() } })).status).toBe(401);
    expect((await hit(store.POST, 'POST', '/x', { token: canary(), params: p, body: { value: canary() } })).status).toBe(401);

    expect((await hit(list.GET, 'GET', '/x', { token: w.admin.token, params: p })).body.count).toBe(w.refs.length);
    const doomed = w.refs.pop()!;
    expect((await hit(detail.DELETE, 'DELETE', '/x', { token: w.admin.token, params: { ...p, secret_ref: doomed } })).status).toBe(204);
    w.values.delete(doomed);
  });

  it('agents referencing the secrets (when the agents API exists)', async (ctx) => {
    if (!routeExists('orgs/[org_id]/agents')) ctx.skip();
    const agents = await routeModule('orgs/[org_id]/agents');
    const p = { org_id: w.orgId };
    const [bearer, cert, key] = w.refs;
    const created = await hit(agents.POST, 'POST', '/x', {
      token: w.admin.token,
      params: p,
      body: { environment_id: w.envId, name: 'leaky', mode: 'CALLER', inbound_auth_method: 'BEARER', bearer_secret_ref: bearer },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    w.agentId = created.body.id;
    const mtls = await hit(agents.POST, 'POST', '/x', {
      token: w.admin.token,
      params: p,
      body: { environment_id: w.envId, name: 'leaky-mtls', mode: 'CALLER', inbound_auth_method: 'MTLS', mtls_cert_ref: cert, mtls_key_ref: key },
    });
    expect(mtls.status, JSON.stringify(mtls.body)).toBe(201);
    // A value where a ref belongs is refused without being repeated.
    const wrong = await hit(agents.POST, 'POST', '/x', {
      token: w.admin.token,
      params: p,
      body: { environment_id: w.envId, name: 'wrong', mode: 'CALLER', inbound_auth_method: 'BEARER', bearer_secret_ref: canary() },
    });
    expect(wrong.status).toBe(400);
    await hit(agents.GET, 'GET', '/x', { token: w.admin.token, params: p });

    if (routeExists('orgs/[org_id]/agents/[id]/tokens')) {
      const tokens = await routeModule('orgs/[org_id]/agents/[id]/tokens');
      const issued = await hit(tokens.POST, 'POST', '/x', { token: w.admin.token, params: { ...p, id: w.agentId! }, body: {} });
      w.jti = issued.body?.jti ?? issued.body?.token?.jti;
    }
    if (routeExists('agents/me')) {
      const me = await routeModule('agents/me');
      // The agent's own static bearer secret, and a wrong one.
      await hit(me.GET, 'GET', '/api/v1/agents/me', { headers: { authorization: `Bearer ${w.values.get(bearer!)}` } });
      await hit(me.GET, 'GET', '/api/v1/agents/me', { headers: { authorization: `Bearer ${canary()}` } });
    }
    if (routeExists('orgs/[org_id]/service-accounts')) {
      const sas = await routeModule('orgs/[org_id]/service-accounts');
      const sa = await hit(sas.POST, 'POST', '/x', {
        token: w.admin.token,
        params: p,
        body: { name: 'leaky-sa', subject: 'leak@example.com', issuer: 'https://issuer.example.com', credential_ref: w.refs[3] },
      });
      w.serviceAccountId = sa.body?.id;
    }
  });

  it('key rotation', async () => {
    const rotate = await routeModule('admin/secrets/rotate');
    const res = await hit(rotate.POST, 'POST', '/api/v1/admin/secrets/rotate/', { token: w.admin.token });
    expect(res.status).toBe(201);
    expect(res.body.rotated).toBeGreaterThan(0);
    expect((await hit(rotate.POST, 'POST', '/x', { token: w.member.token })).status).toBe(403);
    for (const [ref, value] of w.values) expect(await resolveSecret({ db: t.db, orgId: w.orgId }, ref)).toBe(value);
  });

  it('the audit trail: list, every event, export in every format, verification, the global feed', async () => {
    const p = { org_id: w.orgId };
    const list = await routeModule('orgs/[org_id]/audit');
    const detail = await routeModule('orgs/[org_id]/audit/[id]');
    const exporter = await routeModule('orgs/[org_id]/audit/export');
    const verify = await routeModule('orgs/[org_id]/audit/verify');
    const feed = await routeModule('audit');
    let cursor: string | undefined;
    do {
      const page = await hit(list.GET, 'GET', `/api/v1/orgs/${w.orgId}/audit/?page_size=200${cursor ? `&cursor=${cursor}` : ''}`, { token: w.admin.token, params: p });
      expect(page.status).toBe(200);
      const nextUrl: string | null = page.body.next;
      cursor = nextUrl ? (new URL(nextUrl, BASE_URL).searchParams.get('cursor') ?? undefined) : undefined;
    } while (cursor);
    const events = await t.db.select({ id: auditEvents.id }).from(auditEvents).where(eq(auditEvents.organizationId, w.orgId));
    expect(events.length).toBeGreaterThan(5);
    w.auditEventId = events[0]!.id;
    for (const e of events) await hit(detail.GET, 'GET', '/x', { token: w.admin.token, params: { ...p, id: e.id } });
    for (const format of ['jsonl', 'csv', 'json']) {
      await hit(exporter.GET, 'GET', `/api/v1/orgs/${w.orgId}/audit/export/?format=${format}`, { token: w.admin.token, params: p });
    }
    await hit(verify.GET ?? verify.POST, verify.GET ? 'GET' : 'POST', '/x', { token: w.admin.token, params: p });
    await hit(feed.GET, 'GET', '/api/v1/audit/', { token: w.admin.token });
  });

  const paramsFor = (route: string): Record<string, string> => {
    const values: Record<string, string> = {};
    for (const [, name] of route.matchAll(/\[(?:\.\.\.)?([^\]]+)\]/g)) {
      values[name!] =
        name === 'org_id' ? w.orgId
        : name === 'env_id' ? w.envId
        : name === 'member_id' ? w.memberId
        : name === 'secret_ref' ? w.refs[w.refs.length - 1]!
        : name === 'jti' ? (w.jti ?? randomUUID())
        : name === 'path' ? 'leak/scan'
        : name === 'id' && route.startsWith('orgs/[org_id]/audit') ? (w.auditEventId ?? randomUUID())
        : name === 'id' && route.startsWith('orgs/[org_id]/agents') ? (w.agentId ?? randomUUID())
        : name === 'id' && route.startsWith('orgs/[org_id]/service-accounts') ? (w.serviceAccountId ?? randomUUID())
        : randomUUID();
    }
    return values;
  };

  /** A body with a fresh canary in every field name that usually carries a secret. */
  const secretShaped = () => {
    const c = canary();
    return { value: c, secret: c, password: c, current_password: c, new_password: c, token: c, bearer_secret: c, client_secret: c, api_key: c };
  };

  /** Calls every method of every discovered route as admin, member and stranger. */
  async function sweep(include: (route: string, method: string) => boolean, order: (route: string, method: string) => number = () => 0) {
    const routes = discoverRoutes();
    expect(routes).toContain('orgs/[org_id]/connections/store-secret');
    const calls: [string, (typeof METHODS)[number]][] = [];
    for (const route of routes) {
      const mod = await routeModule(route);
      for (const method of METHODS) if (typeof mod[method] === 'function' && include(route, method)) calls.push([route, method]);
    }
    calls.sort((a, b) => order(...a) - order(...b));
    for (const [route, method] of calls) {
      resetAuthLimiter();
      const mod = await routeModule(route);
      const hasBody = method !== 'GET' && method !== 'DELETE';
      for (const token of [w.admin.token, w.member.token, w.stranger.token]) {
        await hit(mod[method], method, `/api/v1/${route}/`, { token, params: paramsFor(route), body: hasBody ? secretShaped() : undefined });
      }
    }
    return calls.length;
  }

  const destructive = (route: string, method: string) => method === 'DELETE' || route === 'auth/logout';

  it('every route of app/api/v1, every reading and writing method, with canaries in secret-shaped fields', async () => {
    expect(await sweep((route, method) => !destructive(route, method))).toBeGreaterThan(15);
  });

  it('finds no canary in any row of any table while everything exists (audit_events with every column)', async () => {
    const { findings, auditRows } = await scanDatabase();
    expect(auditRows).toBeGreaterThan(20);
    expect(findings, JSON.stringify(findings.slice(0, 5), null, 2)).toEqual([]);
  });

  it('every deletion (the organization last), then the logout', async () => {
    // Logging out ends every caller's session, so it goes after the organization's deletion.
    const order = (route: string, method: string) => (route === 'orgs/[org_id]' && method === 'DELETE' ? 1 : 0) + (route === 'auth/logout' ? 2 : 0);
    expect(await sweep(destructive, order)).toBeGreaterThan(3);
  });

  it('finds no canary in any response, header, log line or console message', () => {
    expect(responses.length).toBeGreaterThan(50);
    expect(logLines.length).toBeGreaterThan(50); // the request log saw the traffic
    const findings = [
      ...responses.flatMap((r) => findLeaks(`response of ${r.where}`, r.text)),
      ...logLines.flatMap((line, i) => findLeaks(`log line ${i}`, line)),
      ...consoleLines.flatMap((line, i) => findLeaks(`console message ${i}`, line)),
    ];
    expect(findings, JSON.stringify(findings.slice(0, 5), null, 2)).toEqual([]);
  });

  it('finds no canary in any row of any table at the end', async () => {
    const { findings } = await scanDatabase();
    expect(findings, JSON.stringify(findings.slice(0, 5), null, 2)).toEqual([]);
  });
});
