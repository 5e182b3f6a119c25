// Labels for a connection's health (its last test or sync).
import { formatUtc } from '@/components/agents/format';

const base = 'rounded px-2 py-0.5 text-xs font-medium';

const STATUS_STYLES: Record<string, string> = {
  ok: 'bg-emerald-100 text-emerald-900',
  error: 'bg-red-100 text-red-900',
  unknown: 'bg-slate-100 text-slate-700',
};

/** "ok", "error" or "unknown" (never tested), with when the server last answered. */
export function ConnectionStatusBadge({ status, lastSeenAt }: { status: string; lastSeenAt?: string | null }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-1">
      <span className={`${base} ${STATUS_STYLES[status] ?? STATUS_STYLES.unknown}`} data-testid="connection-status">
        {status === 'unknown' ? 'not tested' : status}
      </span>
      {lastSeenAt && (
        <span className="text-xs text-slate-500">
          seen <time dateTime={lastSeenAt}>{formatUtc(lastSeenAt)}</time>
        </span>
      )}
    </span>
  );
}

export function TransportLabel({ transport }: { transport: string | null }) {
  return <span className="font-mono text-xs">{transport ?? 'auto'}</span>;
}
