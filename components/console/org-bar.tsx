'use client';
// The header's second row inside an organization: switchers and the organization's areas. The
// organization comes from the URL (/orgs/[org_id]/…), which only the client side of the shared
// layout can see; the layout hands over what it loaded for each of the caller's organizations.
import { useParams, usePathname } from 'next/navigation';
import type { BoundFormAction } from '@/lib/auth/org-action';
import { EnvironmentSwitcher, type SwitcherEnvironment } from './environment-switcher';
import { NavLink } from './nav-link';
import { OrgSwitcher } from './org-switcher';

export interface ShellOrg {
  id: string;
  name: string;
  environments: SwitcherEnvironment[];
  selectedEnvironmentId: string | null;
  canManageEnvironments: boolean;
  /** selectEnvironmentAction bound to this organization. */
  selectEnvironment: BoundFormAction;
}

/** Areas inside an organization; only those that exist. */
const AREAS = [
  { segment: 'environments', label: 'Environments' },
  { segment: 'connections', label: 'Connections' },
  { segment: 'mcp-servers', label: 'MCP servers' },
  { segment: 'tools', label: 'Tools' },
  { segment: 'agents', label: 'Agents' },
  { segment: 'policies', label: 'Policies' },
  { segment: 'runs', label: 'Runs' },
  { segment: 'service-accounts', label: 'Service accounts' },
  { segment: 'members', label: 'Members' },
  { segment: 'secrets', label: 'Secrets' },
  { segment: 'audit', label: 'Audit log' },
];

export function OrgBar({ orgs, switchOrganization }: { orgs: readonly ShellOrg[]; switchOrganization: (form: FormData) => Promise<void> }) {
  const { org_id: orgId } = useParams<{ org_id?: string }>();
  const pathname = usePathname();
  const org = orgs.find((o) => o.id === orgId);
  // Not one of the caller's organizations: the page itself answers 404.
  if (!org) return null;
  const base = `/orgs/${org.id}`;
  const section = pathname.slice(base.length + 1).split('/')[0] ?? '';
  return (
    <div className="border-t border-slate-100 bg-slate-50/60">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-2">
        <OrgSwitcher orgs={orgs} currentId={org.id} section={section} action={switchOrganization} />
        <EnvironmentSwitcher
          orgId={org.id}
          environments={org.environments}
          selectedId={org.selectedEnvironmentId}
          canManage={org.canManageEnvironments}
          action={org.selectEnvironment}
        />
        <nav aria-label="Organization" className="flex flex-wrap gap-1">
          <NavLink href={base} exact>
            Settings
          </NavLink>
          {AREAS.map((a) => (
            <NavLink key={a.segment} href={`${base}/${a.segment}`}>
              {a.label}
            </NavLink>
          ))}
        </nav>
      </div>
    </div>
  );
}
