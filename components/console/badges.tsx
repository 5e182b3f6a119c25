// Small labels for roles and membership states.
const ROLE_STYLES: Record<string, string> = {
  owner: 'bg-amber-100 text-amber-900',
  admin: 'bg-violet-100 text-violet-900',
  member: 'bg-sky-100 text-sky-900',
  viewer: 'bg-slate-100 text-slate-700',
};

export function RoleBadge({ role }: { role: string }) {
  return <span className={`rounded px-2 py-0.5 text-xs font-medium ${ROLE_STYLES[role] ?? ROLE_STYLES.viewer}`}>{role}</span>;
}

export function StatusBadge({ status }: { status: 'active' | 'invited' }) {
  const style = status === 'active' ? 'bg-emerald-100 text-emerald-900' : 'bg-yellow-100 text-yellow-900';
  return <span className={`rounded px-2 py-0.5 text-xs font-medium ${style}`}>{status === 'active' ? 'active' : 'invitation pending'}</span>;
}

export function EnvironmentTypeBadge({ type }: { type: string }) {
  const style = type === 'production' ? 'bg-red-100 text-red-900' : type === 'staging' ? 'bg-orange-100 text-orange-900' : 'bg-slate-100 text-slate-700';
  return <span className={`rounded px-2 py-0.5 text-xs font-medium ${style}`}>{type}</span>;
}
