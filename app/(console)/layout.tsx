import type { ReactNode } from 'react';
import { ConsoleShell } from '@/components/console/shell';
import type { ShellOrg } from '@/components/console/org-bar';
import { getMe, type MyOrganization } from '@/lib/accounts/service';
import { pageUserCtx } from '@/lib/auth/action-ctx';
import type { UserCtx } from '@/lib/auth/context';
import { can } from '@/lib/auth/rbac';
import { requireOrgAccess } from '@/lib/tenancy/access';
import { environmentChoice } from '@/lib/tenancy/selected-environment';
import { signOutAction } from './actions';
import { selectEnvironmentAction, switchOrganizationAction } from './orgs/actions';

export const dynamic = 'force-dynamic';

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const ctx = await pageUserCtx();
  const me = await getMe(ctx);
  const name = `${me.first_name} ${me.last_name}`.trim() || me.email;
  const orgs = await Promise.all(me.organizations.map((org) => shellOrg(ctx, org)));
  return (
    <ConsoleShell
      user={{ name, email: me.email, isInstanceAdmin: me.is_instance_admin }}
      orgs={orgs}
      signOut={signOutAction}
      switchOrganization={switchOrganizationAction}
    >
      {children}
    </ConsoleShell>
  );
}

/**
 * The layout cannot see which organization the URL names (the switchers read it client-side), so
 * it loads the switcher's data for each of the caller's organizations: a few small queries each.
 */
async function shellOrg(ctx: UserCtx, org: MyOrganization): Promise<ShellOrg> {
  const orgCtx = await requireOrgAccess(ctx, org.id, 'env.read');
  const { environments, selectedId } = await environmentChoice(orgCtx);
  return {
    id: org.id,
    name: org.name,
    environments: environments.map(({ id, name, type }) => ({ id, name, type })),
    selectedEnvironmentId: selectedId,
    canManageEnvironments: can(orgCtx.role, 'env.manage'),
    selectEnvironment: selectEnvironmentAction.bind(null, org.id),
  };
}
