'use client';
// "Test": opens an MCP session to the upstream and shows who answered, or why not.
import { useActionState } from 'react';
import { FormStatus } from '@/components/console/form-status';
import { Button } from '@/components/ui/button';
import type { ActionState } from '@/lib/auth/org-action';
import type { ConnectionTestResult } from '@/lib/connections/test-connection';

export interface TestState extends ActionState {
  result?: ConnectionTestResult;
}

export function TestConnectionPanel({
  action,
  connectionId,
  disabled,
}: {
  action: (prev: TestState, input: FormData) => Promise<TestState>;
  connectionId: string;
  disabled?: boolean;
}) {
  const [state, formAction, pending] = useActionState<TestState, FormData>(action, {});
  const r = state.result;
  return (
    <form action={formAction} className="space-y-3">
      <input type="hidden" name="connection_id" value={connectionId} />
      <Button type="submit" variant="secondary" disabled={pending || disabled}>
        {pending ? 'Testing…' : 'Test connection'}
      </Button>
      {!r && <FormStatus state={state} />}
      {r && (
        <div role="status" className="rounded-md border border-emerald-200 bg-emerald-50 p-4 text-sm" data-testid="test-result">
          <p className="font-medium text-emerald-900">
            Connected to {r.server_info ? `${r.server_info.name} ${r.server_info.version}` : 'an unnamed server'} in {r.latency_ms} ms.
          </p>
          <dl className="mt-2 grid gap-x-4 gap-y-1 text-slate-700 sm:grid-cols-[10rem_1fr]">
            <dt className="font-medium">Server</dt>
            <dd data-testid="test-server-name">{r.server_info ? `${r.server_info.name} (version ${r.server_info.version})` : 'not given'}</dd>
            <dt className="font-medium">Protocol version</dt>
            <dd className="font-mono text-xs">{r.protocol_version ?? 'not given'}</dd>
            <dt className="font-medium">Capabilities</dt>
            <dd>{Object.keys(r.capabilities).length ? Object.keys(r.capabilities).sort().join(', ') : 'none'}</dd>
            <dt className="font-medium">Latency</dt>
            <dd>{r.latency_ms} ms</dd>
            {r.instructions && (
              <>
                <dt className="font-medium">Instructions</dt>
                <dd className="whitespace-pre-wrap">{r.instructions}</dd>
              </>
            )}
          </dl>
        </div>
      )}
    </form>
  );
}
