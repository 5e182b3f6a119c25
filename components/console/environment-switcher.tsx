'use client';
// Which environment of the organization the console works in; remembered per organization in a
// cookie by the action (lib/tenancy/selected-environment.ts). Native select + submit, as above.
import Link from 'next/link';
import { useActionState } from 'react';
import { Button } from '@/components/ui/button';
import type { ActionState, BoundFormAction } from '@/lib/auth/org-action';

export interface SwitcherEnvironment {
  id: string;
  name: string;
  type: string;
}

export function EnvironmentSwitcher({
  orgId,
  environments,
  selectedId,
  canManage,
  action,
}: {
  orgId: string;
  environments: readonly SwitcherEnvironment[];
  selectedId: string | null;
  canManage: boolean;
  action: BoundFormAction;
}) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  const label = (
    <span id="env-switcher-label" className="text-xs font-medium uppercase tracking-wide text-slate-500">
      Environment
    </span>
  );
  if (environments.length === 0) {
    return (
      <div className="flex items-center gap-2 text-sm text-slate-600">
        {label}
        <span>none yet</span>
        {canManage && (
          <Link href={`/orgs/${orgId}/environments`} className="font-medium text-brand-600 hover:underline">
            Create one
          </Link>
        )}
      </div>
    );
  }
  return (
    <form action={formAction} className="flex items-center gap-2">
      <label htmlFor="env-switcher">{label}</label>
      <select
        key={selectedId}
        id="env-switcher"
        name="env_id"
        defaultValue={selectedId ?? undefined}
        className="max-w-48 rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
      >
        {environments.map((e) => (
          <option key={e.id} value={e.id}>
            {e.name} ({e.type})
          </option>
        ))}
      </select>
      <Button type="submit" variant="secondary" disabled={pending} className="px-2! py-1! text-xs" aria-label="Use environment">
        Use
      </Button>
      {state.message && (
        <span role="alert" className="text-xs text-red-700">
          {state.message}
        </span>
      )}
    </form>
  );
}
