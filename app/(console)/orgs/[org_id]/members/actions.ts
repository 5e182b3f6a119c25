'use server';
// Membership changes from the console. Admins manage roles below owner, owners everything; the
// service decides (lib/tenancy/memberships.ts), including the refusal to lose the last owner.
import { z } from 'zod';
import { orgAction } from '@/lib/auth/org-action';
import type { OrgCtx } from '@/lib/tenancy/access';
import { addMember, changeMemberRole, listMembers, removeMember } from '@/lib/tenancy/memberships';
import { addMemberSchema, role } from '@/lib/tenancy/schemas';

export const inviteMemberAction = orgAction('member.manage', addMemberSchema, addMember, {
  ok: (m) => (m.status === 'invited' ? `Invited ${m.email} as ${m.role}.` : `Added ${m.email} as ${m.role}.`),
});

export const changeMemberRoleAction = orgAction(
  'member.manage',
  z.strictObject({ member_id: z.string(), role }),
  (ctx, input) => changeMemberRole(ctx, input.member_id, input.role),
  { ok: (m) => `${m.email} is now ${m.role}.` },
);

export const removeMemberAction = orgAction(
  'member.manage',
  z.strictObject({ member_id: z.string() }),
  async (ctx, { member_id }) => {
    const me = await isCurrentUser(ctx, member_id);
    await removeMember(ctx, member_id);
    return me;
  },
  // Whoever removed themselves can no longer see the organization.
  { redirectTo: (removedSelf) => (removedSelf ? '/orgs' : undefined), ok: 'Removed.' },
);

async function isCurrentUser(ctx: OrgCtx, memberId: string): Promise<boolean> {
  const member = (await listMembers(ctx)).find((m) => m.id === memberId);
  return member?.user_id === ctx.actor.userId;
}
