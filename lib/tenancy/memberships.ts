// Who belongs to an organization, with which role. Members are added by email: an existing
// account joins at once, an unknown email gets an invitation that becomes a membership when it
// registers. Admins manage roles below owner; only owners grant, change or remove owner.
// An organization always keeps at least one owner.
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { invitations, organizationMemberships, users, type Invitation, type OrganizationMembership } from '@/db/schema';
import { AppError, notFound } from '@/lib/api/errors';
import { recordAudit } from '@/lib/audit/record';
import type { UserCtx } from '@/lib/auth/context';
import type { OrgRole } from '@/lib/auth/rbac';
import { authorize, isUuid, requireOrgAccess, type OrgCtx } from './access';
import { lockOrganization } from './organizations';
import type { AddMemberInput } from './schemas';

export const INVITATION_TTL_DAYS = 14;

export interface PublicMember {
  /** Membership id, or invitation id while status is "invited". */
  id: string;
  status: 'active' | 'invited';
  user_id: string | null;
  email: string;
  first_name: string;
  last_name: string;
  role: OrgRole;
  created_at: string;
}

export async function listMembers(ctx: OrgCtx): Promise<PublicMember[]> {
  const members = await ctx.db
    .select({ m: organizationMemberships, u: users })
    .from(organizationMemberships)
    .innerJoin(users, eq(users.id, organizationMemberships.userId))
    .where(eq(organizationMemberships.organizationId, ctx.orgId))
    .orderBy(asc(users.email));
  const pending = await ctx.db
    .select()
    .from(invitations)
    .where(and(eq(invitations.organizationId, ctx.orgId), isNull(invitations.acceptedAt)))
    .orderBy(asc(invitations.email));
  return [
    ...members.map(
      ({ m, u }): PublicMember => ({
        id: m.id,
        status: 'active',
        user_id: u.id,
        email: u.email,
        first_name: u.firstName,
        last_name: u.lastName,
        role: m.role as OrgRole,
        created_at: m.createdAt.toISOString(),
      }),
    ),
    ...pending.map(
      (i): PublicMember => ({
        id: i.id,
        status: 'invited',
        user_id: null,
        email: i.email,
        first_name: '',
        last_name: '',
        role: i.role as OrgRole,
        created_at: i.createdAt.toISOString(),
      }),
    ),
  ];
}

/** Owner roles are the owners' business: admins manage everything below. */
function authorizeRoleChange(ctx: OrgCtx, ...roles: OrgRole[]): void {
  authorize(ctx, roles.includes('owner') ? 'owner.manage' : 'member.manage');
}

export async function addMember(ctx: OrgCtx, input: AddMemberInput): Promise<PublicMember> {
  authorizeRoleChange(ctx, input.role);
  return ctx.db.transaction(async (tx) => {
    const [user] = await tx.select().from(users).where(sql`lower(${users.email}) = ${input.email}`);
    if (user) {
      const [existing] = await tx
        .select({ id: organizationMemberships.id })
        .from(organizationMemberships)
        .where(and(eq(organizationMemberships.organizationId, ctx.orgId), eq(organizationMemberships.userId, user.id)));
      if (existing) {
        throw new AppError('conflict', 'This person is already a member', { fields: { email: ['Already a member'] } });
      }
      const [m] = await tx
        .insert(organizationMemberships)
        .values({ organizationId: ctx.orgId, userId: user.id, role: input.role })
        .returning();
      await recordAudit(tx, ctx, {
        organizationId: ctx.orgId,
        action: 'membership.create',
        eventType: 'membership_created',
        target: `membership:${m!.id}`,
        data: { user_id: user.id, role: input.role },
      });
      return {
        id: m!.id,
        status: 'active',
        user_id: user.id,
        email: user.email,
        first_name: user.firstName,
        last_name: user.lastName,
        role: input.role,
        created_at: m!.createdAt.toISOString(),
      };
    }
    const expiresAt = new Date(Date.now() + INVITATION_TTL_DAYS * 86_400_000);
    // Inviting the same email again refreshes the invitation (new role, new expiry).
    const [previous] = await tx
      .select({ id: invitations.id })
      .from(invitations)
      .where(and(eq(invitations.organizationId, ctx.orgId), sql`lower(${invitations.email}) = ${input.email}`));
    const values = { role: input.role, expiresAt, acceptedAt: null, invitedById: ctx.actor.userId };
    const [inv] = previous
      ? await tx.update(invitations).set(values).where(eq(invitations.id, previous.id)).returning()
      : await tx.insert(invitations).values({ ...values, organizationId: ctx.orgId, email: input.email }).returning();
    await recordAudit(tx, ctx, {
      organizationId: ctx.orgId,
      action: 'invitation.create',
      eventType: 'invitation_created',
      target: `invitation:${inv!.id}`,
      data: { role: input.role },
    });
    return {
      id: inv!.id,
      status: 'invited',
      user_id: null,
      email: inv!.email,
      first_name: '',
      last_name: '',
      role: input.role,
      created_at: inv!.createdAt.toISOString(),
    };
  });
}

/** POST /api/v1/auth/me/orgs/: the caller adds someone to an organization they administer. */
export async function addMemberToOrganization(
  ctx: UserCtx,
  input: AddMemberInput & { organization_id: string },
): Promise<PublicMember> {
  const orgCtx = await requireOrgAccess(ctx, input.organization_id, 'member.manage');
  return addMember(orgCtx, { email: input.email, role: input.role });
}

const lastOwner = () =>
  new AppError('conflict', 'An organization needs at least one owner: make someone else owner first', {
    reason: 'last_owner',
  });

async function ownerCount(db: OrgCtx['db'], orgId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(organizationMemberships)
    .where(
      and(
        eq(organizationMemberships.organizationId, orgId),
        eq(organizationMemberships.role, 'owner'),
        eq(organizationMemberships.isActive, true),
      ),
    );
  return row?.n ?? 0;
}

/**
 * The membership or pending invitation with this id in the caller's organization (members and
 * invitations share one id space in the API), read under the organization's lock.
 */
async function lockedMemberOrInvitation(
  tx: OrgCtx['db'],
  ctx: OrgCtx,
  memberId: string,
): Promise<{ membership: OrganizationMembership } | { invitation: Invitation }> {
  if (!isUuid(memberId)) throw notFound('Member');
  await lockOrganization(tx, ctx.orgId);
  const [membership] = await tx
    .select()
    .from(organizationMemberships)
    .where(and(eq(organizationMemberships.id, memberId), eq(organizationMemberships.organizationId, ctx.orgId)));
  if (membership) return { membership };
  const [invitation] = await tx
    .select()
    .from(invitations)
    .where(and(eq(invitations.id, memberId), eq(invitations.organizationId, ctx.orgId), isNull(invitations.acceptedAt)));
  if (!invitation) throw notFound('Member');
  return { invitation };
}

export async function changeMemberRole(ctx: OrgCtx, memberId: string, role: OrgRole): Promise<PublicMember> {
  await ctx.db.transaction(async (tx) => {
    const found = await lockedMemberOrInvitation(tx, ctx, memberId);
    if ('membership' in found) {
      const m = found.membership;
      authorizeRoleChange(ctx, m.role as OrgRole, role);
      if (m.role === 'owner' && role !== 'owner' && (await ownerCount(tx, ctx.orgId)) <= 1) throw lastOwner();
      await tx.update(organizationMemberships).set({ role }).where(eq(organizationMemberships.id, m.id));
      await recordAudit(tx, ctx, {
        organizationId: ctx.orgId,
        action: 'membership.update',
        eventType: 'membership_role_changed',
        target: `membership:${m.id}`,
        data: { changed_fields: ['role'], from: m.role, to: role },
      });
      return;
    }
    const inv = found.invitation;
    authorizeRoleChange(ctx, inv.role as OrgRole, role);
    await tx.update(invitations).set({ role }).where(eq(invitations.id, inv.id));
    await recordAudit(tx, ctx, {
      organizationId: ctx.orgId,
      action: 'invitation.update',
      eventType: 'invitation_role_changed',
      target: `invitation:${inv.id}`,
      data: { changed_fields: ['role'], from: inv.role, to: role },
    });
  });
  const member = (await listMembers(ctx)).find((x) => x.id === memberId);
  if (!member) throw notFound('Member');
  return member;
}

export async function removeMember(ctx: OrgCtx, memberId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const found = await lockedMemberOrInvitation(tx, ctx, memberId);
    if ('membership' in found) {
      const m = found.membership;
      authorizeRoleChange(ctx, m.role as OrgRole);
      if (m.role === 'owner' && (await ownerCount(tx, ctx.orgId)) <= 1) throw lastOwner();
      await tx.delete(organizationMemberships).where(eq(organizationMemberships.id, m.id));
      await recordAudit(tx, ctx, {
        organizationId: ctx.orgId,
        action: 'membership.delete',
        eventType: 'membership_removed',
        target: `membership:${m.id}`,
        data: { user_id: m.userId, role: m.role },
      });
      return;
    }
    const inv = found.invitation;
    authorizeRoleChange(ctx, inv.role as OrgRole);
    await tx.delete(invitations).where(eq(invitations.id, inv.id));
    await recordAudit(tx, ctx, {
      organizationId: ctx.orgId,
      action: 'invitation.delete',
      eventType: 'invitation_cancelled',
      target: `invitation:${inv.id}`,
      data: { role: inv.role },
    });
  });
}
