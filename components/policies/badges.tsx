// Small labels for policy decisions, rule effects and policy state.
const base = 'rounded px-2 py-0.5 text-xs font-medium';

export function DecisionBadge({ decision, large = false }: { decision: 'allow' | 'deny'; large?: boolean }) {
  const style = decision === 'allow' ? 'bg-emerald-100 text-emerald-900' : 'bg-red-100 text-red-900';
  const size = large ? 'rounded-md px-3 py-1 text-base font-semibold uppercase tracking-wide' : base;
  return (
    <span className={`${size} ${style}`} data-testid="decision-badge" data-decision={decision}>
      {decision === 'allow' ? 'allowed' : 'denied'}
    </span>
  );
}

export function EffectBadge({ effect }: { effect: 'allow' | 'deny' }) {
  return <span className={`${base} ${effect === 'allow' ? 'bg-emerald-100 text-emerald-900' : 'bg-red-100 text-red-900'}`}>{effect}</span>;
}

export function ActiveBadge({ active }: { active: boolean }) {
  return active ? (
    <span className={`${base} bg-emerald-100 text-emerald-900`}>active</span>
  ) : (
    <span className={`${base} bg-slate-200 text-slate-700`}>inactive</span>
  );
}
