// A run's status: what the operator scans a list for.
import type { RunStatus } from '@/db/schema';

const STYLES: Record<RunStatus, string> = {
  pending: 'bg-slate-100 text-slate-700',
  running: 'bg-sky-100 text-sky-900',
  succeeded: 'bg-emerald-100 text-emerald-900',
  failed: 'bg-red-100 text-red-900',
};

export function RunStatusBadge({ status, large = false }: { status: RunStatus; large?: boolean }) {
  const size = large ? 'rounded-md px-3 py-1 text-sm font-semibold uppercase tracking-wide' : 'rounded px-2 py-0.5 text-xs font-medium';
  return (
    <span className={`${size} ${STYLES[status] ?? STYLES.pending}`} data-testid="run-status" data-status={status}>
      {status}
    </span>
  );
}
