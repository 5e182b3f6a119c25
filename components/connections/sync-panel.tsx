'use client';
// "Sync": the server action reads every tool page and saves the result; that takes a while on a
// big server, so while it runs this polls the connection (REST, session cookie) every ~500 ms for
// status_detail.sync — the progress the sync writes as it goes — and shows phase, pages and tools.
// A fetch, not a second server action: Next runs a page's server actions one at a time.
import { useActionState, useEffect, useState } from 'react';
import { FormStatus } from '@/components/console/form-status';
import { Button } from '@/components/ui/button';
import type { ActionState } from '@/lib/auth/org-action';
import type { SyncCounts, SyncResult } from '@/lib/tools/sync';

export interface SyncState extends ActionState {
  result?: SyncResult;
}

export interface SyncProgress {
  phase?: string;
  pages?: number;
  tools_seen?: number;
  counts?: SyncCounts;
  tools_total?: number;
  duration_ms?: number;
  error?: string;
  finished_at?: string | null;
}

const POLL_MS = 500;

const PHASES: Record<string, string> = {
  listing: 'Reading the tool list',
  saving: 'Saving tools',
  done: 'Done',
  failed: 'Failed',
};

const COUNT_LABELS: [keyof SyncCounts, string][] = [
  ['created', 'new'],
  ['updated', 'updated'],
  ['unchanged', 'unchanged'],
  ['pending_review', 'pending review'],
  ['stale', 'stale'],
  ['invalid_name', 'invalid name'],
  ['invalid_schema', 'invalid schema'],
];

export function CountsList({ counts }: { counts: SyncCounts }) {
  return (
    <ul className="flex flex-wrap gap-x-4 gap-y-1" data-testid="sync-counts">
      {COUNT_LABELS.map(([key, label]) => (
        <li key={key}>
          <span className="font-semibold">{counts[key]}</span> {label}
        </li>
      ))}
    </ul>
  );
}

export function SyncPanel({
  action,
  orgId,
  connectionId,
  last,
  disabled,
}: {
  action: (prev: SyncState, input: FormData) => Promise<SyncState>;
  orgId: string;
  connectionId: string;
  /** The last sync's state as the page was rendered. */
  last: SyncProgress | null;
  disabled?: boolean;
}) {
  const [state, formAction, pending] = useActionState<SyncState, FormData>(action, {});
  const [progress, setProgress] = useState<SyncProgress | null>(null);

  useEffect(() => {
    if (!pending) return;
    let stopped = false;
    const poll = async () => {
      try {
        const res = await fetch(`/api/v1/orgs/${orgId}/connections/${connectionId}`, { cache: 'no-store', headers: { accept: 'application/json' } });
        if (!res.ok || stopped) return;
        const body = (await res.json()) as { status_detail?: { sync?: SyncProgress } };
        if (!stopped && body.status_detail?.sync) setProgress(body.status_detail.sync);
      } catch {
        // A missed poll only delays the progress shown.
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
      setProgress(null);
    };
  }, [pending, orgId, connectionId]);

  const result = state.result;
  return (
    <form action={formAction} className="space-y-3">
      <input type="hidden" name="connection_id" value={connectionId} />
      <Button type="submit" disabled={pending || disabled}>
        {pending ? 'Syncing…' : 'Sync tools'}
      </Button>
      {pending && (
        <p role="status" aria-live="polite" className="text-sm text-slate-700" data-testid="sync-progress">
          {progress?.phase ? PHASES[progress.phase] ?? progress.phase : 'Starting'}
          {progress && progress.phase !== 'done' && progress.phase !== 'failed' && (
            <>
              {' '}
              — {progress.pages ?? 0} page(s), {progress.tools_seen ?? 0} tool(s) seen…
            </>
          )}
        </p>
      )}
      {!pending && !result && <FormStatus state={state} />}
      {!pending && result && (
        <div role="status" className="space-y-1 rounded-md border border-emerald-200 bg-emerald-50 p-4 text-sm" data-testid="sync-result">
          <p className="font-medium text-emerald-900">
            Synced {result.tools_total} tool(s) from {result.pages} page(s) in {result.duration_ms} ms.
          </p>
          <CountsList counts={result.counts} />
          {result.counts.pending_review > 0 && (
            <p className="text-amber-900">Tools pending review keep their approved definition until an admin approves the new one.</p>
          )}
        </div>
      )}
      {!pending && !result && !state.message && last?.phase && (
        <div className="text-sm text-slate-600" data-testid="sync-last">
          Last sync: {PHASES[last.phase] ?? last.phase}
          {last.finished_at && <> at {last.finished_at.slice(0, 16).replace('T', ' ')} UTC</>}
          {last.error && <> — {last.error}</>}
          {last.counts && (
            <div className="mt-1">
              <CountsList counts={last.counts} />
            </div>
          )}
        </div>
      )}
    </form>
  );
}
