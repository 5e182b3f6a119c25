'use client';
// "Test connection": the server runs initialize + tools/list against the gateway as this agent and
// tells what a client would see — or why it would be refused.
import Link from 'next/link';
import { useActionState } from 'react';
import { FormStatus } from '@/components/console/form-status';
import { Button } from '@/components/ui/button';
import type { AgentConnectionTest } from '@/lib/agents/connect';
import type { ConnectionTestState } from './actions';

export function TestConnectionPanel({
  action,
  agentId,
  permissionsHref,
}: {
  action: (prev: ConnectionTestState, input: FormData) => Promise<ConnectionTestState>;
  agentId: string;
  permissionsHref: string;
}) {
  const [state, formAction, pending] = useActionState<ConnectionTestState, FormData>(action, {});
  return (
    <form action={formAction} className="space-y-3" aria-label="Test connection">
      <input type="hidden" name="agent_id" value={agentId} />
      <Button type="submit" variant="secondary" disabled={pending}>
        {pending ? 'Testing…' : 'Test connection'}
      </Button>
      {state.result ? <TestResult result={state.result} permissionsHref={permissionsHref} /> : <FormStatus state={state} />}
    </form>
  );
}

function TestResult({ result: r, permissionsHref }: { result: AgentConnectionTest; permissionsHref: string }) {
  const outcome = !r.ok ? 'failed' : r.tool_count === 0 ? 'no-tools' : 'ok';
  const tone =
    outcome === 'ok'
      ? 'border-emerald-200 bg-emerald-50'
      : outcome === 'no-tools'
        ? 'border-amber-200 bg-amber-50'
        : 'border-red-200 bg-red-50';
  return (
    <div role="status" className={`rounded-md border p-4 text-sm ${tone}`} data-testid="connect-test-result" data-outcome={outcome}>
      {r.ok ? (
        <p className="font-medium text-slate-900" data-testid="connect-test-summary">
          {r.no_tools ? r.no_tools.message : `Connected in ${r.latency_ms} ms: ${r.tool_count} tool${r.tool_count === 1 ? '' : 's'}.`}
          {r.no_tools && (
            <>
              {' '}
              <Link href={permissionsHref} className="font-medium text-brand-600 hover:underline">
                Effective permissions
              </Link>
            </>
          )}
        </p>
      ) : (
        <p className="font-medium text-red-900" data-testid="connect-test-summary">
          Connection failed{r.stage === 'token' ? '' : ` at ${r.stage}`}: {r.reason}
        </p>
      )}
      <dl className="mt-2 grid gap-x-4 gap-y-1 text-slate-700 sm:grid-cols-[10rem_1fr]">
        <dt className="font-medium">Endpoint</dt>
        <dd className="font-mono text-xs break-all">{r.endpoint}</dd>
        {r.ok ? (
          <>
            <dt className="font-medium">Server</dt>
            <dd data-testid="connect-test-server">{r.server ? `${r.server.name} (version ${r.server.version})` : 'not given'}</dd>
            <dt className="font-medium">Protocol version</dt>
            <dd className="font-mono text-xs" data-testid="connect-test-protocol">
              {r.protocol_version ?? 'not given'}
            </dd>
            <dt className="font-medium">Tools</dt>
            <dd data-testid="connect-test-tools">
              {r.tool_count} allowed for this agent{r.tools.includes('execute_tool') ? ", plus the gateway's execute_tool" : ''}
              {r.tools.length > 0 && (
                <ul className="mt-1 flex flex-wrap gap-1">
                  {r.tools.map((name) => (
                    <li key={name}>
                      <code className="rounded bg-white/70 px-1.5 py-0.5 font-mono text-xs" data-testid="connect-test-tool">
                        {name}
                      </code>
                    </li>
                  ))}
                </ul>
              )}
              <span className="mt-1 block text-xs text-slate-600">
                <code className="font-mono">execute_tool</code> runs any tool the agent may use by its identifier, decided like a direct call.
              </span>
            </dd>
          </>
        ) : (
          r.http_status !== null && (
            <>
              <dt className="font-medium">HTTP status</dt>
              <dd data-testid="connect-test-status">{r.http_status}</dd>
            </>
          )
        )}
        {r.latency_ms !== null && (
          <>
            <dt className="font-medium">Latency</dt>
            <dd>{r.latency_ms} ms (initialize + tools/list, inside the server)</dd>
          </>
        )}
        {r.test_token_jti && (
          <>
            <dt className="font-medium">Test token</dt>
            <dd className="text-xs">
              <code className="font-mono">{r.test_token_jti.slice(0, 8)}…</code>, scope mcp, issued for this test and already revoked
            </dd>
          </>
        )}
      </dl>
    </div>
  );
}
