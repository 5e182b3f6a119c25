// The console's secret actions: the value never comes back to the browser (not even after a
// refusal), deletion needs its confirmation, rotation is the instance administrator's.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { users } from '@/db/schema';
import type { UserCtx } from '@/lib/auth/context';
import { setupTestDb } from '@/test/helpers/db';
import { addMembership, makeOrg, makeUser, type TestOrg, type TestUser } from '@/test/helpers/fixtures';
import { resolveSecret } from './service';

// Server actions read the signed-in user from the session; here it is whoever `as` names.
const session = vi.hoisted(() => ({ ctx: undefined as UserCtx | undefined }));
vi.mock('@/lib/auth/action-ctx', () => ({
  userActionCtx: async () => session.ctx,
  pageUserCtx: async () => session.ctx,
}));
vi.mock('next/cache', () => ({ revalidatePath: () => {} }));

const { deleteSecretAction, rotateKeysAction, storeSecretAction } = await import('@/app/(console)/orgs/[org_id]/secrets/actions');

const t = setupTestDb();
let o: TestOrg;
let member: TestUser;

const as = (user: TestUser, instanceAdmin = false) => {
  session.ctx = { ...user.ctx, actor: { ...user.ctx.actor, via: 'session', isInstanceAdmin: instanceAdmin } };
};
const form = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
};

beforeAll(async () => {
  o = await makeOrg();
  member = await makeUser('member');
  await addMembership(o.id, member, 'member');
});

describe('console secret actions', () => {
  it('stores a value and answers with its ref only', async () => {
    as(o.owner);
    const state = await storeSecretAction(o.id, {}, form({ name: 'Slack', value: 'console-value-91ab' }));
    expect(state.stored).toEqual({ secret_ref: expect.any(String), name: 'Slack' });
    expect(state.ok).toContain('Slack');
    expect(JSON.stringify(state)).not.toContain('console-value-91ab');
    expect(await resolveSecret({ db: t.db, orgId: o.id }, state.stored!.secret_ref)).toBe('console-value-91ab');
  });

  it('sends the name back after a refusal, never the value', async () => {
    as(o.owner);
    const tooBig = `console-value-77cd${'x'.repeat(64 * 1024)}`;
    const refused = await storeSecretAction(o.id, {}, form({ name: 'Too big', value: tooBig }));
    expect(refused.fields?.value).toBeDefined();
    expect(refused.values).toEqual({ name: 'Too big' });
    expect(refused.stored).toBeUndefined();
    expect(JSON.stringify(refused)).not.toContain('console-value-77cd');

    as(member);
    const forbidden = await storeSecretAction(o.id, {}, form({ name: 'x', value: 'console-value-55ef' }));
    expect(forbidden.message).toMatch(/admin/);
    expect(JSON.stringify(forbidden)).not.toContain('console-value-55ef');
  });

  it('deletes only with the box ticked', async () => {
    as(o.owner);
    const { stored } = await storeSecretAction(o.id, {}, form({ value: 'to-delete' }));
    const unconfirmed = await deleteSecretAction(o.id, {}, form({ secret_ref: stored!.secret_ref }));
    expect(unconfirmed.fields?.confirm).toBeDefined();
    expect(await resolveSecret({ db: t.db, orgId: o.id }, stored!.secret_ref)).toBe('to-delete');
    const done = await deleteSecretAction(o.id, {}, form({ secret_ref: stored!.secret_ref, confirm: 'yes' }));
    expect(done.ok).toContain('deleted');
    await expect(resolveSecret({ db: t.db, orgId: o.id }, stored!.secret_ref)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('rotates keys for the instance administrator and shows the counts; refuses others', async () => {
    as(o.owner, false);
    await t.db.update(users).set({ isInstanceAdmin: false }).where(eq(users.id, o.owner.id));
    expect((await rotateKeysAction({}, form({}))).message).toMatch(/instance administrator/);
    as(o.owner, true);
    const state = await rotateKeysAction({}, form({}));
    expect(state.ok).toMatch(/^Rotated: \d+ secrets? re-encrypted under key [0-9a-f-]{36}; 1 old key retired, 1 deleted\.$/);
  });
});
