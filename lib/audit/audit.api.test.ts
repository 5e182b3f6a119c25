// The audit endpoints end to end through their route handlers, on a real database: filters,
// cursor paging, tenancy (404 for non-members and other orgs' events), the chain verification
// endpoint, exports and the global feed.
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as globalRoute from '@/app/api/v1/audit/route';
import * as registerRoute from '@/app/api/v1/auth/register/route';
import * as detailRoute from '@/app/api/v1/orgs/[org_id]/audit/[id]/route';
import * as exportRoute from '@/app/api/v1/orgs/[org_id]/audit/export/route';
import * as listRoute from '@/app/api/v1/orgs/[org_id]/audit/route';
import * as verifyRoute from '@/app/api/v1/orgs/[org_id]/audit/verify/route';
import { auditEvents, organizationMemberships, organizations, type NewAuditEvent } from '@/db/schema';
import { resetAuthLimiter } from '@/lib/accounts/throttle';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import { chainPending } from './chain';

const t = setupTestDb();

interface User {
  id: string;
  token: string;
}

let counter = 0;
async function register(): Promise<User> {
  const res = await call(registerRoute.POST, 'POST', '/api/v1/auth/register/', {
    body: { email: `audit${++counter}-${randomUUID().slice(0, 8)}@example.com`, password: 'correct horse battery' },
  });
  expect(res.status).toBe(201);
  return { id: res.body.user.id, token: res.body.token };
}

async function makeOrg(owner: User, members: [User, string][] = []): Promise<string> {
  const [org] = await t.db.insert(organizations).values({ name: `org-${randomUUID()}` }).returning();
  await t.db.insert(organizationMemberships).values([
    { organizationId: org!.id, userId: owner.id, role: 'owner' },
    ...members.map(([u, role]) => ({ organizationId: org!.id, userId: u.id, role })),
  ]);
  return org!.id;
}

async function insertEvents(rows: Partial<NewAuditEvent>[], organizationId: string | null): Promise<string[]> {
  const inserted = await t.db
    .insert(auditEvents)
    .values(rows.map((r) => ({ action: 'agent.create', eventType: 'agent_created', organizationId, ...r })))
    .returning({ id: auditEvents.id });
  return inserted.map((r) => r.id);
}

const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000);

const list = (orgId: string, token: string | undefined, query = '') =>
  call(listRoute.GET, 'GET', `/api/v1/orgs/${orgId}/audit/${query}`, { token, params: { org_id: orgId } });

/** Follows `next` links to the end, returning every page. */
async function allPages(first: string, token: string, orgId?: string) {
  const pages: any[] = [];
  let url: string | null = first;
  while (url) {
    const res: { status: number; body: any } = orgId
      ? await call(listRoute.GET, 'GET', url, { token, params: { org_id: orgId } })
      : await call(globalRoute.GET, 'GET', url, { token });
    expect(res.status).toBe(200);
    pages.push(res.body);
    url = res.body.next;
    expect(pages.length).toBeLessThan(100);
  }
  return pages;
}

/** A small RFC 4180 reader for checking exports. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else {
      cell += c;
    }
  }
  if (cell || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

let admin: User; // the first account: instance administrator, member of no organization
let alice: User; // owner of orgA
let bob: User; // owner of orgB, not a member of orgA
let carol: User; // viewer in orgA
let dave: User; // inactive member of orgA
let loner: User; // no organizations
let orgA: string;
let orgB: string;

beforeAll(async () => {
  resetAuthLimiter();
  admin = await register();
  [alice, bob, carol, dave, loner] = [await register(), await register(), await register(), await register(), await register()];
  orgA = await makeOrg(alice, [[carol, 'viewer']]);
  orgB = await makeOrg(bob);
  await t.db.insert(organizationMemberships).values({ organizationId: orgA, userId: dave.id, role: 'admin', isActive: false });
});

beforeEach(() => resetAuthLimiter());

describe('GET /orgs/{org_id}/audit/', () => {
  it('lists the organization’s events newest first, with every field of the spec', async () => {
    const orgId = await makeOrg(alice);
    const ruleId = randomUUID();
    await insertEvents(
      [
        { ts: hoursAgo(2), target: 'agent:old' },
        {
          ts: hoursAgo(1),
          subject: 'user:x',
          action: 'run.denied',
          eventType: 'run_denied_policy',
          target: 'tool:pdf/read',
          decision: 'deny',
          ruleId,
          eventData: { reason: 'No policy' },
          context: { request_id: 'r1' },
        },
      ],
      orgId,
    );
    await insertEvents([{ target: 'agent:elsewhere' }], orgB);
    const res = await list(orgId, alice.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ count: null, next: null, previous: null });
    expect(res.body.results.map((e: any) => e.target)).toEqual(['tool:pdf/read', 'agent:old']);
    const event = res.body.results[0];
    expect(Object.keys(event).sort()).toEqual(
      [
        'id',
        'organization_id',
        'event_type',
        'event_data',
        'ts',
        'subject',
        'action',
        'target',
        'decision',
        'rule_id',
        'context',
        'seq',
        'prev_hash',
        'hash',
        'created_at',
      ].sort(),
    );
    expect(event).toMatchObject({
      organization_id: orgId,
      event_type: 'run_denied_policy',
      action: 'run.denied',
      subject: 'user:x',
      decision: 'deny',
      rule_id: ruleId,
      event_data: { reason: 'No policy' },
      context: { request_id: 'r1' },
      seq: null,
      hash: null,
    });
    expect(event.ts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    await chainPending(t.db, orgId);
    const chained = await list(orgId, alice.token);
    expect(chained.body.results.map((e: any) => e.seq)).toEqual([2, 1]);
    expect(chained.body.results[0].prev_hash).toBe(chained.body.results[1].hash);
  });

  it('filters by subject, action, target, event_type and decision', async () => {
    const orgId = await makeOrg(alice);
    await insertEvents(
      [
        { subject: 'user:1', action: 'agent.create', target: 'agent:a', eventType: 'agent_created', decision: 'allow' },
        { subject: 'user:2', action: 'agent.delete', target: 'agent:a', eventType: 'agent_deleted', decision: 'allow' },
        { subject: 'user:1', action: 'run.denied', target: 'tool:c/echo', eventType: 'run_denied_policy', decision: 'deny' },
        { subject: 'agent:9', action: 'run.denied', target: 'tool:c/echo', eventType: 'run_denied_rate_limit', decision: 'deny' },
      ],
      orgId,
    );
    const targets = async (query: string) => {
      const res = await list(orgId, alice.token, query);
      expect(res.status).toBe(200);
      return res.body.results.map((e: any) => `${e.subject}|${e.action}|${e.event_type}`).sort();
    };
    expect(await targets('?subject=user:1')).toEqual(['user:1|agent.create|agent_created', 'user:1|run.denied|run_denied_policy']);
    expect(await targets('?action=run.denied')).toHaveLength(2);
    expect(await targets('?target=agent:a')).toEqual(['user:1|agent.create|agent_created', 'user:2|agent.delete|agent_deleted']);
    expect(await targets('?target=tool%3Ac%2Fecho&subject=agent:9')).toEqual(['agent:9|run.denied|run_denied_rate_limit']);
    expect(await targets('?event_type=run_denied_policy')).toEqual(['user:1|run.denied|run_denied_policy']);
    expect(await targets('?decision=deny')).toHaveLength(2);
    expect(await targets('?decision=allow&action=agent.delete')).toEqual(['user:2|agent.delete|agent_deleted']);
    expect(await targets('?subject=nobody')).toEqual([]);
    expect(await targets('?subject=')).toHaveLength(4); // empty means absent

    const bad = await list(orgId, alice.token, '?decision=maybe');
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.details.fields)).toEqual(['decision']);
  });

  it('filters by a ts range (inclusive) and names a bad timestamp', async () => {
    const orgId = await makeOrg(alice);
    const at = (iso: string) => ({ ts: new Date(iso), target: `agent:${iso}` });
    await insertEvents([at('2025-01-01T00:00:00.000Z'), at('2025-01-02T12:00:00.000Z'), at('2025-01-03T00:00:00.000Z')], orgId);
    const range = async (query: string) => (await list(orgId, alice.token, query)).body.results.map((e: any) => e.ts);
    expect(await range('?ts_from=2025-01-02T00:00:00Z')).toEqual(['2025-01-03T00:00:00.000Z', '2025-01-02T12:00:00.000Z']);
    expect(await range('?ts_to=2025-01-02T12:00:00Z')).toEqual(['2025-01-02T12:00:00.000Z', '2025-01-01T00:00:00.000Z']);
    expect(await range('?ts_from=2025-01-02&ts_to=2025-01-02T23:59:59Z')).toEqual(['2025-01-02T12:00:00.000Z']);
    // An unencoded '+' arrives as a space.
    expect(await range('?ts_from=2025-01-02T13:00:00+02:00&ts_to=2025-01-02T14:00:00%2B02:00')).toEqual(['2025-01-02T12:00:00.000Z']);

    for (const [query, field] of [
      ['?ts_from=yesterday', 'ts_from'],
      ['?ts_to=2025-02-30T00:00:00Z', 'ts_to'],
      ['?ts_from=2025-01-03&ts_to=2025-01-01', 'ts_to'],
      ['?page_size=0', 'page_size'],
      ['?page_size=201', 'page_size'],
    ] as const) {
      const res = await list(orgId, alice.token, query);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
      expect(Object.keys(res.body.error.details.fields), query).toEqual([field]);
    }
  });

  it('pages with a cursor across pages without duplicates or gaps, even with equal timestamps', async () => {
    const orgId = await makeOrg(alice);
    const base = Date.parse('2025-05-05T10:00:00.000Z');
    // 23 events, in groups of 4 sharing a timestamp, so pages split ties (ordered by id).
    await insertEvents(
      Array.from({ length: 23 }, (_, i) => ({ ts: new Date(base + Math.floor(i / 4) * 1000), target: `agent:${i}` })),
      orgId,
    );
    const all = await t.db.select().from(auditEvents).where(eq(auditEvents.organizationId, orgId));
    const expected = all
      .sort((a, b) => b.ts.getTime() - a.ts.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .map((e) => e.id);

    const first = await list(orgId, alice.token, '?page_size=5');
    expect(first.body.results).toHaveLength(5);
    expect(first.body.next).toMatch(/cursor=/);
    expect(first.body).toMatchObject({ count: null, previous: null });

    // Events written while paging are newer than the cursor: they neither repeat nor shift pages.
    await insertEvents([{ target: 'agent:new' }], orgId);
    const pages = await allPages(first.body.next, alice.token, orgId);
    const ids = [...first.body.results, ...pages.flatMap((p) => p.results)].map((e: any) => e.id);
    expect(ids).toEqual(expected);
    expect(pages.map((p) => p.results.length)).toEqual([5, 5, 5, 3]);
    expect(new URL(pages[0].next).searchParams.get('page_size')).toBe('5');

    // Filters survive in the next link.
    const filtered = await list(orgId, alice.token, '?page_size=2&target=agent:1');
    expect(filtered.body.results).toHaveLength(1);
    expect(filtered.body.next).toBeNull();
  });

  it('refuses an invalid cursor', async () => {
    for (const cursor of ['not-a-cursor', Buffer.from('2025-01-01T00:00:00.000000Z|nope').toString('base64url'), '%%%']) {
      const res = await list(orgA, alice.token, `?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).toBe(400);
      expect(res.body.error.details.fields).toEqual({ cursor: ['Invalid cursor'] });
    }
  });
});

describe('GET /orgs/{org_id}/audit/{id}/', () => {
  it('shows an event of the organization; 404 for another org’s, an unknown or a malformed id', async () => {
    const [mine] = await insertEvents([{ target: 'agent:detail' }], orgA);
    const [theirs] = await insertEvents([{ target: 'agent:secret' }], orgB);
    const get = (id: string, token = alice.token) =>
      call(detailRoute.GET, 'GET', `/api/v1/orgs/${orgA}/audit/${id}/`, { token, params: { org_id: orgA, id } });
    const ok = await get(mine!);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id: mine, organization_id: orgA, target: 'agent:detail' });
    expect((await get(mine!, carol.token)).status).toBe(200);
    for (const id of [theirs!, randomUUID(), 'not-a-uuid']) {
      const res = await get(id);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });
});

describe('tenancy and authentication', () => {
  it('answers 404 on every audit route to a non-member (and an inactive member), 401 without a token', async () => {
    const [eventId] = await insertEvents([{ target: 'agent:x' }], orgA);
    const routes = [
      [listRoute.GET, `/api/v1/orgs/${orgA}/audit/`],
      [detailRoute.GET, `/api/v1/orgs/${orgA}/audit/${eventId}/`],
      [exportRoute.GET, `/api/v1/orgs/${orgA}/audit/export/?format=csv`],
      [verifyRoute.GET, `/api/v1/orgs/${orgA}/audit/verify/`],
    ] as const;
    for (const [handler, path] of routes) {
      const params = { org_id: orgA, id: eventId! };
      for (const outsider of [bob, dave, loner, admin]) {
        const res = await call(handler, 'GET', path, { token: outsider.token, params });
        expect(res.status, path).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
      const anonymous = await call(handler, 'GET', path, { params });
      expect(anonymous.status, path).toBe(401);
      const badOrg = await call(handler, 'GET', path, { token: alice.token, params: { ...params, org_id: 'nope' } });
      expect(badOrg.status).toBe(404);
    }
    expect((await call(globalRoute.GET, 'GET', '/api/v1/audit/')).status).toBe(401);
    expect((await call(globalRoute.GET, 'GET', '/api/v1/audit/', { token: 'axs_u_bogus' })).status).toBe(401);
  });
});

describe('GET /orgs/{org_id}/audit/verify/', () => {
  it('reports a valid chain, then the first break after tampering', async () => {
    const orgId = await makeOrg(alice);
    await insertEvents(
      Array.from({ length: 5 }, (_, i) => ({ target: `agent:${i}`, ts: new Date(Date.parse('2025-06-01T00:00:00Z') + i) })),
      orgId,
    );
    const verify = () => call(verifyRoute.GET, 'GET', `/api/v1/orgs/${orgId}/audit/verify`, { token: alice.token, params: { org_id: orgId } });
    const ok = await verify();
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ valid: true, checked: 5, last_seq: 5, first_break: null });

    const [victim] = await t.db.select().from(auditEvents).where(sql`${auditEvents.organizationId} = ${orgId} and ${auditEvents.seq} = 3`);
    // A superuser editing behind the append-only trigger's back.
    await t.db.transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx.execute(sql`update audit_events set target = 'agent:innocent' where id = ${victim!.id}`);
    });
    const broken = await verify();
    expect(broken.status).toBe(200);
    expect(broken.body).toEqual({
      valid: false,
      checked: 2,
      last_seq: 5,
      first_break: { seq: 3, event_id: victim!.id, reason: 'event 3 was changed after it was recorded (target differs)' },
    });
    // Viewers may verify too.
    await t.db.insert(organizationMemberships).values({ organizationId: orgId, userId: carol.id, role: 'viewer' });
    const asViewer = await call(verifyRoute.GET, 'GET', `/api/v1/orgs/${orgId}/audit/verify/`, {
      token: carol.token,
      params: { org_id: orgId },
    });
    expect(asViewer.body.valid).toBe(false);
  });
});

describe('GET /orgs/{org_id}/audit/export/', () => {
  const download = (orgId: string, query: string) =>
    call(exportRoute.GET, 'GET', `/api/v1/orgs/${orgId}/audit/export/${query}`, { token: alice.token, params: { org_id: orgId } });

  it('streams JSON Lines with the list’s filters, across internal pages', async () => {
    const orgId = await makeOrg(alice);
    await t.db.insert(auditEvents).values(
      Array.from({ length: 1203 }, (_, i) => ({
        organizationId: orgId,
        action: i % 3 === 0 ? 'run.denied' : 'agent.create',
        eventType: 'x',
        eventData: { i },
        ts: new Date(Date.parse('2025-07-01T00:00:00Z') + i),
      })),
    );
    const res = await download(orgId, '?format=jsonl');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename="audit-${orgId}-\\d{8}T\\d{6}Z\\.jsonl"$`));
    const text = res.body as string;
    expect(text.endsWith('\n')).toBe(true);
    const events = text.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(events).toHaveLength(1203);
    expect(new Set(events.map((e) => e.id)).size).toBe(1203);
    expect(events[0].event_data).toEqual({ i: 1202 });
    expect(events[1202].event_data).toEqual({ i: 0 });

    const denied = await download(orgId, '?action=run.denied&ts_from=2025-07-01T00:00:00.600Z');
    const deniedEvents = (denied.body as string).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(deniedEvents.every((e) => e.action === 'run.denied' && e.event_data.i >= 600)).toBe(true);
    expect(deniedEvents).toHaveLength(1203 / 3 - 200);

    const empty = await download(orgId, '?subject=nobody');
    expect(empty.status).toBe(200);
    expect(empty.body).toBeNull(); // the test helper reads an empty body as null
    const bad = await download(orgId, '?format=xlsx');
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.details.fields)).toEqual(['format']);
  });

  it('writes CSV with quoting and spreadsheet-formula protection', async () => {
    const orgId = await makeOrg(alice);
    const [id] = await insertEvents(
      [
        {
          subject: '=HYPERLINK("http://evil.example","click")',
          target: 'agent:a,b',
          action: '+cmd',
          eventType: '-2+3',
          eventData: { note: 'line one\nline "two"' },
          ts: new Date('2025-08-01T00:00:00.000Z'),
        },
      ],
      orgId,
    );
    await insertEvents([{ subject: '@SUM(A1)', target: 'agent:plain', ts: new Date('2025-07-31T00:00:00.000Z') }], orgId);
    const res = await download(orgId, '?format=csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-.*\.csv"$/);
    const text = res.body as string;
    expect(text).toContain('"\'=HYPERLINK(""http://evil.example"",""click"")"');
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([
      'id',
      'organization_id',
      'ts',
      'event_type',
      'action',
      'subject',
      'target',
      'decision',
      'rule_id',
      'event_data',
      'context',
      'seq',
      'prev_hash',
      'hash',
      'created_at',
    ]);
    expect(rows).toHaveLength(3);
    const row = Object.fromEntries(rows[0]!.map((k, i) => [k, rows[1]![i]]));
    expect(row).toMatchObject({
      id,
      organization_id: orgId,
      ts: '2025-08-01T00:00:00.000Z',
      subject: '\'=HYPERLINK("http://evil.example","click")',
      target: 'agent:a,b',
      action: "'+cmd",
      event_type: "'-2+3",
      decision: '',
      rule_id: '',
      seq: '',
    });
    expect(JSON.parse(row.event_data!)).toEqual({ note: 'line one\nline "two"' });
    expect(rows[2]![5]).toBe("'@SUM(A1)");
  });
});

describe('GET /audit/ (global feed)', () => {
  it('shows the last 24 hours of the caller’s organizations only', async () => {
    const mineA = await insertEvents([{ target: 'feed:a-recent', ts: hoursAgo(1) }], orgA);
    await insertEvents([{ target: 'feed:a-old', ts: hoursAgo(25) }], orgA);
    await insertEvents([{ target: 'feed:b-recent', ts: hoursAgo(1) }], orgB);
    await insertEvents([{ target: 'feed:instance', ts: hoursAgo(1) }], null);

    const feed = async (user: User, query = '') => {
      const res = await call(globalRoute.GET, 'GET', `/api/v1/audit/${query}`, { token: user.token });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ count: null, previous: null });
      const pages = res.body.next ? await allPages(res.body.next, user.token) : [];
      return [...res.body.results, ...pages.flatMap((p) => p.results)];
    };
    const aliceFeed = await feed(alice, '?page_size=200');
    const targets = aliceFeed.map((e) => e.target);
    expect(targets).toContain('feed:a-recent');
    expect(targets).not.toContain('feed:a-old');
    expect(targets).not.toContain('feed:b-recent');
    expect(targets).not.toContain('feed:instance');
    expect(aliceFeed.every((e) => e.organization_id !== orgB && e.organization_id !== null)).toBe(true);
    expect(aliceFeed.every((e) => Date.parse(e.ts) >= Date.now() - 24 * 3600_000 - 60_000)).toBe(true);

    // A viewer sees the organization too; filters apply.
    const carolFeed = await feed(carol, '?target=feed:a-recent');
    expect(carolFeed.map((e) => e.id)).toEqual(mineA);
    // An inactive member and a user without organizations see nothing.
    expect(await feed(dave)).toEqual([]);
    expect(await feed(loner)).toEqual([]);
    // Bob sees orgB only.
    expect((await feed(bob, '?page_size=200')).every((e) => e.organization_id === orgB)).toBe(true);
    // The instance administrator sees instance events (and no organization he is not in).
    const adminFeed = await feed(admin, '?page_size=200');
    expect(adminFeed.map((e) => e.target)).toContain('feed:instance');
    expect(adminFeed.every((e) => e.organization_id === null)).toBe(true);
    // Cursor paging works on the feed as well.
    await insertEvents(Array.from({ length: 7 }, (_, i) => ({ target: `feed:page${i}`, ts: hoursAgo(2) })), orgA);
    const paged = await feed(alice, '?page_size=3');
    expect(new Set(paged.map((e) => e.id)).size).toBe(paged.length);
    expect(paged.length).toBe((await feed(alice, '?page_size=200')).length);
    const bad = await call(globalRoute.GET, 'GET', '/api/v1/audit/?ts_from=nope', { token: loner.token });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.details.fields)).toEqual(['ts_from']);
  });
});
