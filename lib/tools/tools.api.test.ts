// The Tools API: manual tools (create, edit, schema checks), synced tools (only `enabled` by
// hand), approval of held definitions, filters, and another organization's tools.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import * as approveRoute from '@/app/api/v1/orgs/[org_id]/tools/[id]/approve/route';
import * as detail from '@/app/api/v1/orgs/[org_id]/tools/[id]/route';
import * as list from '@/app/api/v1/orgs/[org_id]/tools/route';
import { getDb } from '@/db/client';
import { tools } from '@/db/schema';
import { definitionHash } from '@/lib/tools/definition';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import { addMembership, makeConnection, makeOrg, makeUser, type TestOrg, type TestUser } from '@/test/helpers/fixtures';

setupTestDb();

let org: TestOrg;
let member: TestUser;
let connectionId: string;

const create = (body: Record<string, unknown>, token = org.owner.token) => call(list.POST, 'POST', '/x', { token, params: { org_id: org.id }, body: { connection_id: connectionId, ...body } });
const get = (id: string, token = org.owner.token) => call(detail.GET, 'GET', '/x', { token, params: { org_id: org.id, id } });
const patch = (id: string, body: Record<string, unknown>, token = member.token) => call(detail.PATCH, 'PATCH', '/x', { token, params: { org_id: org.id, id }, body });

const inputSchema = { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] };

/** A synced tool as sync leaves it, optionally held for review with a changed definition. */
async function syncedTool(name: string, pending?: Record<string, unknown>): Promise<string> {
  const db = await getDb();
  const def = { description: 'Searches', inputSchema, outputSchema: null, annotations: {} };
  const [row] = await db
    .insert(tools)
    .values({
      organizationId: org.id,
      environmentId: org.envId,
      connectionId,
      name,
      origin: 'sync',
      description: def.description,
      schemaJson: inputSchema,
      definitionHash: definitionHash(def),
      syncedAt: new Date(),
      syncStatus: pending ? 'pending_review' : 'synced',
      pendingDefinition: pending ?? null,
    })
    .returning();
  return row!.id;
}

beforeAll(async () => {
  org = await makeOrg();
  member = await makeUser('member');
  await addMembership(org.id, member, 'member');
  connectionId = await makeConnection(org);
});

describe('tools API', () => {
  it('creates a manual tool with a checked schema, and lists and filters it', async () => {
    const res = await create({ name: 'search', description: 'Finds things', schema_json: inputSchema }, member.token);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      name: 'search',
      version: '1.0.0',
      origin: 'manual',
      connection_id: connectionId,
      environment_id: org.envId,
      sync_status: 'synced',
      enabled: true,
      annotations: {},
      output_schema: null,
      has_pending_definition: false,
      pending_definition: null,
    });
    expect((await create({ name: 'search' })).status).toBe(409);
    expect((await create({ name: 'search', version: '2.0.0' })).status).toBe(201);

    const listed = await call(list.GET, 'GET', '/x?search=find', { token: org.owner.token, params: { org_id: org.id } });
    expect(listed.body.results.map((t: { name: string }) => t.name)).toEqual(['search']);
    expect(listed.body.results[0]).not.toHaveProperty('pending_definition');
    const byStatus = await call(list.GET, 'GET', `/x?connection_id=${connectionId}&sync_status=synced&enabled=true`, { token: org.owner.token, params: { org_id: org.id } });
    expect(byStatus.body.count).toBeGreaterThanOrEqual(2);
    expect((await call(list.GET, 'GET', '/x?sync_status=bogus', { token: org.owner.token, params: { org_id: org.id } })).status).toBe(400);
  });

  it('refuses unusable schemas naming schema_json, and unknown connections', async () => {
    const bad = [
      { type: 'string' },
      { type: 'object', properties: { a: { $ref: 'https://evil.example/x.json' } } },
      { type: 'object', properties: { a: { type: 'nope' } } },
      { type: 'object', $schema: 'https://example.com/meta' },
    ];
    for (const schema_json of bad) {
      const res = await create({ name: `bad-${Math.random().toString(36).slice(2, 6)}`, schema_json });
      expect(res.status, JSON.stringify(schema_json)).toBe(400);
      expect(res.body.error.details.fields).toHaveProperty('schema_json');
    }
    expect((await create({ name: 'bad name!' })).body.error.details.fields).toHaveProperty('name');
    const other = await makeOrg();
    const foreign = await makeConnection(other);
    const res = await create({ name: 'x', connection_id: foreign });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields).toHaveProperty('connection_id');
  });

  it('edits a manual tool (schema checked) and deletes it', async () => {
    const id = (await create({ name: 'editable', schema_json: inputSchema })).body.id;
    const before = (await get(id)).body.definition_hash;
    const res = await patch(id, { description: 'New', schema_json: { type: 'object', properties: { z: { type: 'integer' } } }, enabled: false });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ description: 'New', enabled: false, schema_json: { properties: { z: { type: 'integer' } } } });
    expect(res.body.definition_hash).not.toBe(before);
    expect((await patch(id, { schema_json: { type: 'object', properties: { a: { $ref: 'http://x/y' } } } })).status).toBe(400);
    const put = await call(detail.PUT, 'PUT', '/x', { token: member.token, params: { org_id: org.id, id }, body: { name: 'edited', version: '1.0.0', schema_json: inputSchema, description: null, enabled: true } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.name).toBe('edited');
    expect((await call(detail.DELETE, 'DELETE', '/x', { token: member.token, params: { org_id: org.id, id } })).status).toBe(204);
    expect((await get(id)).status).toBe(404);
  });

  it("sets a tool's own rate limit (synced tools too), and clears it back to the default", async () => {
    const id = await syncedTool('limited-one');
    const set = await patch(id, { rate_limit_capacity: 5, rate_limit_refill_per_sec: 0.5 });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toMatchObject({ rate_limit_capacity: 5, rate_limit_refill_per_sec: 0.5 });
    const bad = await patch(id, { rate_limit_capacity: 0, rate_limit_refill_per_sec: -1 });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.details.fields).sort()).toEqual(['rate_limit_capacity', 'rate_limit_refill_per_sec']);
    expect((await patch(id, { rate_limit_capacity: null, rate_limit_refill_per_sec: null })).body).toMatchObject({ rate_limit_capacity: null });
  });

  it('lets members only switch a synced tool on and off', async () => {
    const id = await syncedTool('synced-one');
    expect((await patch(id, { enabled: false })).body.enabled).toBe(false);
    const res = await patch(id, { schema_json: { type: 'object' } });
    expect(res.status).toBe(409);
    expect(res.body.error.details.fields).toHaveProperty('schema_json');
    expect((await patch(id, { description: 'Changed' })).status).toBe(409);
    // The same values are no change: a PUT of the current definition passes.
    expect((await patch(id, { description: 'Searches', schema_json: inputSchema, enabled: true })).status).toBe(200);
  });

  it('approves a held definition (admin), refuses stale reviews and tools without one', async () => {
    const next = { description: 'Searches harder', input_schema: { type: 'object', properties: { q: { type: 'string' }, depth: { type: 'integer' } } }, output_schema: null, annotations: { readOnlyHint: true } };
    const hash = definitionHash({ description: next.description, inputSchema: next.input_schema, outputSchema: null, annotations: next.annotations });
    const id = await syncedTool('held', { ...next, hash });
    const detailBody = (await get(id)).body;
    expect(detailBody).toMatchObject({ sync_status: 'pending_review', has_pending_definition: true, pending_definition: { description: 'Searches harder' } });
    const approve = (body: Record<string, unknown>, token = org.owner.token) => call(approveRoute.POST, 'POST', '/x', { token, params: { org_id: org.id, id }, body });
    expect((await approve({}, member.token)).status).toBe(403);
    // A member may not make it go away either (a re-sync would approve it on first sight).
    expect((await call(detail.DELETE, 'DELETE', '/x', { token: member.token, params: { org_id: org.id, id } })).status).toBe(403);
    expect((await approve({ definition_hash: 'a'.repeat(64) })).status).toBe(409);
    const res = await approve({ definition_hash: hash });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ sync_status: 'synced', description: 'Searches harder', annotations: { readOnlyHint: true }, definition_hash: hash, pending_definition: null });
    expect((await approve({})).status).toBe(409);
    const plain = await syncedTool('plain');
    expect((await call(approveRoute.POST, 'POST', '/x', { token: org.owner.token, params: { org_id: org.id, id: plain }, body: {} })).status).toBe(409);
  });

  it("answers 404 for another organization's tool", async () => {
    const id = await syncedTool('mine');
    const stranger = await makeOrg();
    const asStranger = { token: stranger.owner.token, params: { org_id: stranger.id, id } };
    expect((await call(detail.GET, 'GET', '/x', asStranger)).status).toBe(404);
    expect((await call(detail.PATCH, 'PATCH', '/x', { ...asStranger, body: { enabled: false } })).status).toBe(404);
    expect((await call(detail.DELETE, 'DELETE', '/x', asStranger)).status).toBe(404);
    expect((await call(approveRoute.POST, 'POST', '/x', { ...asStranger, body: {} })).status).toBe(404);
    expect((await call(detail.GET, 'GET', '/x', { token: org.owner.token, params: { org_id: org.id, id: 'not-a-uuid' } })).status).toBe(404);
    const db = await getDb();
    expect((await db.select().from(tools).where(eq(tools.id, id)))[0]?.enabled).toBe(true);
  });
});
