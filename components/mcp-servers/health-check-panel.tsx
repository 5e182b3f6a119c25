'use client';
// "Check health": initialize + ping the registered server now and show what came back. An
// unreachable server is a result (unhealthy, with the public reason), not a failed request.
import { useActionState } from 'react';
import { formatUtc } from '@/components/agents/format';
import { FormStatus } from '@/components/console/form-status';
import { Button } from '@/components/ui/button';
import type { ActionState } from '@/lib/auth/org-action';
import type { HealthCheckResult } from '@/lib/mcp-servers/health';

export interface HealthState extends ActionState {
  result?: HealthCheckResult;
}

export function HealthCheckPanel({
  action,
  serverId,
  disabled,
}: {
  action: (prev: HealthState, input: FormData) => Promise<HealthState>;
  serverId: string;
  disabled?: boolean;
}) {
  const [state, formAction, pending] = useActionState<HealthState, FormData>(action, {});
  const r = state.result;
  const healthy = r?.status === 'healthy';
  return (
    <form action={formAction} className="space-y-3">
      <input type="hidden" name="mcp_server_id" value={serverId} />
      <Button type="submit" variant="secondary" disabled={pending || disabled}>
        {pending ? 'Checking…' : 'Check health'}
      </Button>
      {!r && <FormStatus state={state} />}
      {r && (
        <div
          role="status"
          data-testid="health-result"
          className={`rounded-md border p-4 text-sm ${healthy ? 'border-emerald-200 bg-emerald-50' : 'border-red-200 bg-red-50'}`}
        >
          <p className={`font-medium ${healthy ? 'text-emerald-900' : 'text-red-900'}`} data-testid="health-result-status">
            {healthy ? 'Healthy' : 'Unhealthy'}
          </p>
          <dl className="mt-2 grid gap-x-4 gap-y-1 text-slate-700 sm:grid-cols-[8rem_1fr]">
            <dt className="font-medium">Latency</dt>
            <dd data-testid="health-result-latency">{r.latency_ms} ms</dd>
            <dt className="font-medium">Message</dt>
            <dd data-testid="health-result-message">{r.message}</dd>
            <dt className="font-medium">Checked at</dt>
            <dd>
              <time dateTime={r.checked_at}>{formatUtc(r.checked_at)}</time>
            </dd>
          </dl>
        </div>
      )}
    </form>
  );
}
