import type { ReactNode } from 'react';
import { ConsoleShell } from '@/components/console/shell';
import { pageUserCtx } from '@/lib/auth/action-ctx';
import { getMe } from '@/lib/accounts/service';
import { signOutAction } from './actions';

export const dynamic = 'force-dynamic';

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const me = await getMe(await pageUserCtx());
  const name = `${me.first_name} ${me.last_name}`.trim() || me.email;
  return (
    <ConsoleShell user={{ name, email: me.email, isInstanceAdmin: me.is_instance_admin }} signOut={signOutAction}>
      {children}
    </ConsoleShell>
  );
}
