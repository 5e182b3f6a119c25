// GET /api/v1/orgs/{org_id}/members/ – members and pending invitations (any member).
// POST – add someone by email (admin; granting owner needs owner). Unknown emails are invited.
import { apiRoute, json } from '@/lib/api/route';
import { addMember, listMembers } from '@/lib/tenancy/memberships';
import { addMemberSchema } from '@/lib/tenancy/schemas';

export const GET = apiRoute({ auth: 'user', permission: 'member.read' }, async ({ ctx }) => {
  const members = await listMembers(ctx);
  return json({ count: members.length, next: null, previous: null, results: members });
});

export const POST = apiRoute({ auth: 'user', permission: 'member.manage' }, async ({ ctx, body }) =>
  json(await addMember(ctx, await body(addMemberSchema)), 201),
);
