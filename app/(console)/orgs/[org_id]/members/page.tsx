import type { Metadata } from 'next';
import { RoleBadge, StatusBadge } from '@/components/console/badges';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can, ROLES } from '@/lib/auth/rbac';
import { listMembers } from '@/lib/tenancy/memberships';
import { getOrganization } from '@/lib/tenancy/organizations';
import { changeMemberRoleAction, inviteMemberAction, removeMemberAction } from './actions';
import { InviteMemberForm, MemberRoleForm, RemoveMemberForm } from './member-forms';

export const metadata: Metadata = { title: 'Members' };

export default async function MembersPage({ params }: { params: Promise<{ org_id: string }> }) {
  const ctx = await pageOrgCtx((await params).org_id, 'member.read');
  const org = await getOrganization(ctx);
  const members = await listMembers(ctx);
  const canManage = can(ctx.role, 'member.manage');
  const canManageOwners = can(ctx.role, 'owner.manage');
  // Admins manage roles below owner; only owners grant or touch the owner role (the service
  // refuses the rest anyway).
  const roles = ROLES.filter((r) => r !== 'owner' || canManageOwners).map((r) => ({ value: r, label: r }));
  const changeRole = changeMemberRoleAction.bind(null, org.id);
  const remove = removeMemberAction.bind(null, org.id);
  return (
    <div className="space-y-8">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Members</h1>
        <p className="text-sm text-slate-600">
          Who can see and change {org.name}. Viewers read; members run tools and edit agents; admins also manage
          policies, secrets and people; owners manage the organization itself.
        </p>
      </div>

      {canManage && (
        <section aria-labelledby="invite-heading" className="rounded-lg border border-slate-200 bg-white p-6">
          <h2 id="invite-heading" className="mb-1 text-base font-semibold">
            Invite someone
          </h2>
          <p className="mb-4 text-sm text-slate-600">
            People with an account join at once; anyone else gets an invitation that applies when they sign up with this
            email address.
          </p>
          <InviteMemberForm action={inviteMemberAction.bind(null, org.id)} roles={roles} />
        </section>
      )}

      <section aria-labelledby="members-heading" className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="members-heading" className="text-base font-semibold">
          People
        </h2>
        <table className="mt-3 w-full text-left text-sm">
          <thead className="text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="py-2 font-medium">
                Person
              </th>
              <th scope="col" className="py-2 font-medium">
                Status
              </th>
              <th scope="col" className="py-2 font-medium">
                Role
              </th>
              {canManage && (
                <th scope="col" className="py-2 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {members.map((m) => {
              const isSelf = m.user_id === ctx.actor.userId;
              const editable = canManage && (m.role !== 'owner' || canManageOwners);
              const fullName = `${m.first_name} ${m.last_name}`.trim();
              return (
                <tr key={m.id} data-testid="member-row" className="align-top">
                  <td className="py-3">
                    <div className="font-medium">
                      {fullName || m.email}
                      {isSelf && <span className="ml-1 text-xs font-normal text-slate-500">(you)</span>}
                    </div>
                    {fullName && <div className="text-slate-500">{m.email}</div>}
                  </td>
                  <td className="py-3">
                    <StatusBadge status={m.status} />
                  </td>
                  <td className="py-3">
                    {editable ? <MemberRoleForm member={m} action={changeRole} roles={roles} /> : <RoleBadge role={m.role} />}
                  </td>
                  {canManage && (
                    <td className="py-3">{editable && <RemoveMemberForm member={m} action={remove} isSelf={isSelf} />}</td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
    </div>
  );
}
