// A tool's sync status: whether the gateway may run it as the upstream defines it now.
const base = 'rounded px-2 py-0.5 text-xs font-medium';

const SYNC_STYLES: Record<string, string> = {
  synced: 'bg-emerald-100 text-emerald-900',
  pending_review: 'bg-amber-100 text-amber-900',
  stale: 'bg-slate-200 text-slate-700',
  invalid_schema: 'bg-red-100 text-red-900',
  invalid_name: 'bg-red-100 text-red-900',
  failed: 'bg-red-100 text-red-900',
};

const SYNC_LABELS: Record<string, string> = {
  synced: 'synced',
  pending_review: 'pending review',
  stale: 'stale (gone upstream)',
  invalid_schema: 'invalid schema',
  invalid_name: 'invalid name',
  failed: 'failed',
};

export const syncStatusLabel = (status: string) => SYNC_LABELS[status] ?? status;

export function SyncStatusBadge({ status }: { status: string }) {
  return (
    <span className={`${base} ${SYNC_STYLES[status] ?? 'bg-slate-100 text-slate-700'}`} data-testid="sync-status">
      {syncStatusLabel(status)}
    </span>
  );
}
