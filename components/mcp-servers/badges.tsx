// Labels for MCP server registrations: their health (last check) and how the gateway reaches them.

const base = 'rounded px-2 py-0.5 text-xs font-medium';

const HEALTH_STYLES: Record<string, string> = {
  healthy: 'bg-emerald-100 text-emerald-900',
  unhealthy: 'bg-red-100 text-red-900',
  unknown: 'bg-slate-100 text-slate-700',
};

export function HealthBadge({ status }: { status: string }) {
  return (
    <span className={`${base} ${HEALTH_STYLES[status] ?? HEALTH_STYLES.unknown}`} data-testid="health-status">
      {status === 'unknown' ? 'not checked' : status}
    </span>
  );
}

const TYPE_LABELS: Record<string, string> = { stdio: 'stdio (local process)', http: 'http (Streamable HTTP)', ws: 'ws (WebSocket)' };

export function ServerTypeLabel({ type }: { type: string }) {
  return <span className="font-mono text-xs">{TYPE_LABELS[type] ?? type}</span>;
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400],
  ['month', 30 * 86_400],
  ['day', 86_400],
  ['hour', 3600],
  ['minute', 60],
];

/** "3 minutes ago", "just now": `iso` relative to `now` (milliseconds). */
export function relativeTime(iso: string, now: number): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(Math.round(seconds / 60), 'minute');
}

/** Where a registration points: its URL, or its command line. */
export function serverTarget(s: { server_type: string; endpoint: string | null; command: string | null; args: string[] }): string {
  return s.server_type === 'stdio' ? [s.command ?? '', ...s.args].join(' ') : (s.endpoint ?? '—');
}
