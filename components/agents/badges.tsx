// Small labels for agents, service accounts and tokens.
const base = 'rounded px-2 py-0.5 text-xs font-medium';

export function EnabledBadge({ enabled }: { enabled: boolean }) {
  return enabled ? (
    <span className={`${base} bg-emerald-100 text-emerald-900`}>enabled</span>
  ) : (
    <span className={`${base} bg-red-100 text-red-900`}>disabled</span>
  );
}

export function ModeBadge({ mode }: { mode: string }) {
  return <span className={`${base} ${mode === 'RUNNER' ? 'bg-indigo-100 text-indigo-900' : 'bg-sky-100 text-sky-900'}`}>{mode}</span>;
}

export function TokenStatusBadge({ status }: { status: 'active' | 'revoked' | 'expired' }) {
  const style =
    status === 'active' ? 'bg-emerald-100 text-emerald-900' : status === 'revoked' ? 'bg-red-100 text-red-900' : 'bg-slate-200 text-slate-700';
  return <span className={`${base} ${style}`}>{status}</span>;
}

export function Tag({ children }: { children: string }) {
  return <span className={`${base} bg-slate-100 font-normal text-slate-700`}>{children}</span>;
}
