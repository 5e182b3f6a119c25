// The signed-in frame: brand, navigation for the areas that exist, the account menu and, inside
// an organization, its switchers and areas (org-bar.tsx).
import Link from 'next/link';
import type { ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { NavLink } from './nav-link';
import { OrgBar, type ShellOrg } from './org-bar';

export interface ShellUser {
  name: string;
  email: string;
  isInstanceAdmin: boolean;
}

export function ConsoleShell({
  user,
  orgs,
  signOut,
  switchOrganization,
  children,
}: {
  user: ShellUser;
  orgs: readonly ShellOrg[];
  signOut: () => Promise<void>;
  switchOrganization: (form: FormData) => Promise<void>;
  children: ReactNode;
}) {
  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl items-center gap-6 px-4 py-3">
          <Link href="/" className="text-lg font-semibold tracking-tight">
            AgentxSuite
          </Link>
          <nav aria-label="Main" className="flex gap-1">
            <NavLink href="/" exact>
              Overview
            </NavLink>
            <NavLink href="/orgs">Organizations</NavLink>
          </nav>
          <div className="ml-auto flex items-center gap-3">
            <span className="text-sm text-slate-600" data-testid="signed-in-user">
              {user.name}
              {user.isInstanceAdmin && <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600">instance admin</span>}
            </span>
            <NavLink href="/account">Account</NavLink>
            <form action={signOut}>
              <Button type="submit" variant="secondary">
                Sign out
              </Button>
            </form>
          </div>
        </div>
        <OrgBar orgs={orgs} switchOrganization={switchOrganization} />
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-8">
        {children}
      </main>
    </div>
  );
}
