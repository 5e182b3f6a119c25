// PUT/PATCH /api/v1/orgs/{org_id}/members/{member_id}/ – change the role (admin; owner roles need owner).
// DELETE – remove the member or cancel the invitation. The last owner stays.
import { apiRoute, json, noContent } from '@/lib/api/route';
import { changeMemberRole, removeMember } from '@/lib/tenancy/memberships';
import { changeMemberSchema } from '@/lib/tenancy/schemas';

type P = { org_id: string; member_id: string };

const change = apiRoute<P>({ auth: 'user', permission: 'member.manage' }, async ({ ctx, params, body }) => {
  const { role } = await body(changeMemberSchema);
  return json(await changeMemberRole(ctx, params.member_id, role));
});

export const PUT = change;
export const PATCH = change;

export const DELETE = apiRoute<P>({ auth: 'user', permission: 'member.manage' }, async ({ ctx, params }) => {
  await removeMember(ctx, params.member_id);
  return noContent();
});
