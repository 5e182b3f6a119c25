// The role matrix of lib/auth/rbac.ts, walked across every org-scoped endpoint: each role either
// gets through (any answer but 403/404) or gets 403 — exactly as the table says.
import { beforeAll, describe, expect, it } from 'vitest';
import * as envDetail from '@/app/api/v1/orgs/[org_id]/environments/[env_id]/route';
import * as envList from '@/app/api/v1/orgs/[org_id]/environments/route';
import * as memberDetail from '@/app/api/v1/orgs/[org_id]/members/[member_id]/route';
import * as memberList from '@/app/api/v1/orgs/[org_id]/members/route';
import * as orgDetail from '@/app/api/v1/orgs/[org_id]/route';
import { can, ROLES, type OrgRole, type Permission } from '@/lib/auth/rbac';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import { addMembership, makeOrg, makeUser, type TestOrg, type TestUser } from '@/test/helpers/fixtures';

setupTestDb();

type Handler = Parameters<typeof call>[0];

interface Row {
  name: string;
  handler: Handler;
  method: string;
  permission: Permission;
  params: (org: TestOrg, targetMemberId: string) => Record<string, string>;
  body?: () => unknown;
}

const org = (o: TestOrg) => ({ org_id: o.id });
const env = (o: TestOrg) => ({ org_id: o.id, env_id: o.envId });
const member = (o: TestOrg, m: string) => ({ org_id: o.id, member_id: m });
let seq = 0;

export const ROWS: Row[] = [
  { name: 'GET org', handler: orgDetail.GET, method: 'GET', permission: 'org.read', params: org },
  { name: 'PATCH org', handler: orgDetail.PATCH, method: 'PATCH', permission: 'org.update', params: org, body: () => ({ name: `renamed-${++seq}-${Date.now()}` }) },
  { name: 'PUT org', handler: orgDetail.PUT, method: 'PUT', permission: 'org.update', params: org, body: () => ({ name: `put-${++seq}-${Date.now()}` }) },
  { name: 'DELETE org', handler: orgDetail.DELETE, method: 'DELETE', permission: 'org.delete', params: org },
  { name: 'GET environments', handler: envList.GET, method: 'GET', permission: 'env.read', params: org },
  { name: 'POST environments', handler: envList.POST, method: 'POST', permission: 'env.manage', params: org, body: () => ({ name: `e${++seq}`, type: 'staging' }) },
  { name: 'GET environment', handler: envDetail.GET, method: 'GET', permission: 'env.read', params: env },
  { name: 'PATCH environment', handler: envDetail.PATCH, method: 'PATCH', permission: 'env.manage', params: env, body: () => ({ type: 'production' }) },
  { name: 'PUT environment', handler: envDetail.PUT, method: 'PUT', permission: 'env.manage', params: env, body: () => ({ name: 'prod', type: 'production' }) },
  { name: 'DELETE environment', handler: envDetail.DELETE, method: 'DELETE', permission: 'env.manage', params: env },
  { name: 'GET members', handler: memberList.GET, method: 'GET', permission: 'member.read', params: org },
  { name: 'POST members', handler: memberList.POST, method: 'POST', permission: 'member.manage', params: org, body: () => ({ email: `new${++seq}@example.com`, role: 'viewer' }) },
  { name: 'PATCH member', handler: memberDetail.PATCH, method: 'PATCH', permission: 'member.manage', params: member, body: () => ({ role: 'member' }) },
  { name: 'PUT member', handler: memberDetail.PUT, method: 'PUT', permission: 'member.manage', params: member, body: () => ({ role: 'member' }) },
  { name: 'DELETE member', handler: memberDetail.DELETE, method: 'DELETE', permission: 'member.manage', params: member },
];

describe('role matrix', () => {
  const users = {} as Record<OrgRole, TestUser>;
  let target: TestUser;

  beforeAll(async () => {
    for (const role of ROLES) users[role] = await makeUser(role);
    target = await makeUser('target');
  });

  for (const row of ROWS) {
    for (const role of ROLES) {
      const allowed = can(role, row.permission);
      it(`${row.name} as ${role} → ${allowed ? 'allowed' : '403'}`, async () => {
        const o = await makeOrg();
        if (role === 'owner') await addMembership(o.id, users.owner, 'owner');
        else await addMembership(o.id, users[role], role);
        const targetId = await addMembership(o.id, target, 'viewer');
        const res = await call(row.handler, row.method, '/api/v1/orgs/x/', {
          token: users[role].token,
          params: row.params(o, targetId),
          body: row.body?.(),
        });
        if (allowed) {
          expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
        } else {
          expect(res.status).toBe(403);
          expect(res.body.error.details).toMatchObject({ permission: row.permission, role });
        }
      });
    }
  }
});
