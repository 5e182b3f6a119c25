'use client';
// When a registration was last checked: relative ("3 minutes ago") and absolute (UTC). The
// relative part needs the browser's clock, so the server renders the absolute time only and the
// browser adds the rest, updated every half minute.
import { useSyncExternalStore } from 'react';
import { formatUtc } from '@/components/agents/format';
import { relativeTime } from './badges';

const TICK_MS = 30_000;

function subscribe(onChange: () => void): () => void {
  const timer = setInterval(onChange, TICK_MS);
  return () => clearInterval(timer);
}

// Rounded, so consecutive reads agree (useSyncExternalStore requires a stable snapshot).
const clientNow = () => Math.floor(Date.now() / TICK_MS) * TICK_MS;
const serverNow = () => null;

export function CheckedAt({ iso }: { iso: string | null }) {
  const now = useSyncExternalStore(subscribe, clientNow, serverNow);
  if (!iso) {
    return (
      <span className="text-xs text-slate-500" data-testid="health-checked-at">
        never checked
      </span>
    );
  }
  return (
    <span className="text-xs text-slate-500" data-testid="health-checked-at">
      checked{' '}
      <time dateTime={iso} title={formatUtc(iso)}>
        {now === null ? formatUtc(iso) : `${relativeTime(iso, now)} (${formatUtc(iso)})`}
      </time>
    </span>
  );
}
