// Connect a client: the gateway's endpoints for this agent, a token (mcp scope, shown once),
// ready-to-paste configs for Claude Desktop, the MCP Inspector and a generic MCP client, and a
// connection test run by the server (initialize + tools/list as the agent).
import fs from 'node:fs';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { EnabledBadge } from '@/components/agents/badges';
import { CopySnippet } from '@/components/agents/copy-snippet';
import { EnvironmentTypeBadge } from '@/components/console/badges';
import { agentEndpoints, bridgeScriptPath } from '@/lib/agents/connect';
import { getAgent, type PublicAgent } from '@/lib/agents/service';
import { getServiceAccount, type PublicServiceAccount } from '@/lib/agents/service-accounts';
import { AppError } from '@/lib/api/errors';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import type { OrgCtx } from '@/lib/tenancy/access';
import { getEnvironment } from '@/lib/tenancy/environments';
import { issueTokenAction } from '../../actions';
import { tokenLifetimes } from '../../choices';
import { testAgentConnectionAction } from './actions';
import { ConnectPanel } from './connect-panel';
import { TestConnectionPanel } from './test-panel';

export const metadata: Metadata = { title: 'Connect a client' };

/** 404 for an agent of another organization or none, exactly like an unknown organization. */
async function agentOr404(ctx: OrgCtx, agentId: string): Promise<PublicAgent> {
  try {
    return await getAgent(ctx, agentId);
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') notFound();
    throw error;
  }
}

/** A service account that was deleted meanwhile is simply not there. */
async function serviceAccountOf(ctx: OrgCtx, agent: PublicAgent): Promise<PublicServiceAccount | null> {
  if (!agent.service_account_id) return null;
  try {
    return await getServiceAccount(ctx, agent.service_account_id);
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') return null;
    throw error;
  }
}

/** Why no token can be issued for the client here, or null when one can. */
function tokenObstacle(canTokens: boolean, agent: PublicAgent, account: PublicServiceAccount | null): string | null {
  if (!canTokens) return 'Tokens are credentials: only admins and owners issue them. Ask one for a token with the mcp scope, or paste one you have.';
  if (!agent.enabled) return 'The agent is disabled: enable it on its page to issue tokens. The gateway refuses its tokens while it is disabled.';
  if (account && !account.enabled) return `Its service account ${account.name} is disabled, so no token can be issued.`;
  if (account && account.scope_allowlist.length && !account.scope_allowlist.includes('mcp')) {
    return `Its service account ${account.name} does not allow the mcp scope (only ${account.scope_allowlist.join(', ')}), so its tokens cannot use the gateway.`;
  }
  return null;
}

const ENDPOINT_ROWS = [
  { key: 'streamable_http', label: 'Streamable HTTP', note: 'Protocol 2025-06-18 and later: what current clients and the Claude Desktop bridge use.' },
  { key: 'sse', label: 'HTTP+SSE (legacy)', note: 'Protocol 2024-11-05, for clients that only speak the older transport.' },
  { key: 'streamable_http_scoped', label: 'Streamable HTTP, scoped', note: 'Names the organization and environment: a token of any other is refused (403).' },
  { key: 'sse_scoped', label: 'HTTP+SSE, scoped', note: 'The legacy transport with the same scoping.' },
] as const;

export default async function ConnectClientPage({ params }: { params: Promise<{ org_id: string; agent_id: string }> }) {
  const { org_id: orgId, agent_id: agentId } = await params;
  const ctx = await pageOrgCtx(orgId, 'org.read');
  const agent = await agentOr404(ctx, agentId);
  const [environment, account] = await Promise.all([getEnvironment(ctx, agent.environment_id), serviceAccountOf(ctx, agent)]);
  const endpoints = agentEndpoints(agent);
  const canTokens = can(ctx.role, 'token.manage');
  // Where the server is installed is shown to those who can issue tokens (they paste the config);
  // other members see a placeholder path.
  const installedBridge = bridgeScriptPath();
  const bridgePath = canTokens ? installedBridge : '/path/to/agentxsuite/bin/agentxsuite-bridge.mjs';
  const obstacle = tokenObstacle(canTokens, agent, account);
  const lifetimes = tokenLifetimes();
  const agentHref = `/orgs/${ctx.orgId}/agents/${agent.id}`;

  return (
    <div className="space-y-8">
      <div>
        <Link href={agentHref} className="text-sm text-brand-600 hover:underline">
          ← {agent.name}
        </Link>
        <h1 className="mt-1 text-2xl font-semibold tracking-tight">Connect a client</h1>
        <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
          <span>
            Use <strong data-testid="connect-agent">{agent.name}</strong> from Claude Desktop or any MCP client, in {environment.name}
          </span>
          <EnvironmentTypeBadge type={environment.type} />
          <EnabledBadge enabled={agent.enabled} />
        </p>
        <p className="mt-1 text-sm text-slate-600">
          The client sees exactly the tools this agent&apos;s policies allow —{' '}
          <Link href={`${agentHref}/permissions`} className="font-medium text-brand-600 hover:underline">
            effective permissions
          </Link>{' '}
          — and every call goes through the same checks and records as a run.
        </p>
      </div>

      {!agent.enabled && (
        <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="connect-agent-disabled">
          The agent is disabled: the gateway refuses every request with its tokens until it is enabled again.
        </p>
      )}

      <section aria-labelledby="endpoints-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="endpoints-heading" className="text-base font-semibold">
          Endpoints
        </h2>
        <p className="text-sm text-slate-600">
          Every request carries the agent&apos;s token as <code className="font-mono text-xs">Authorization: Bearer …</code>{' '}
          (never in the URL). The token decides the organization and environment, so the short URLs are enough.
        </p>
        <div className="grid gap-4 md:grid-cols-2">
          {ENDPOINT_ROWS.map((row) => (
            <div key={row.key} className="space-y-1">
              <CopySnippet id={`endpoint-${row.key}`} label={row.label} value={endpoints[row.key]} multiline={false} describedBy={`endpoint-${row.key}-note`} />
              <p id={`endpoint-${row.key}-note`} className="text-xs text-slate-500">
                {row.note}
              </p>
            </div>
          ))}
        </div>
      </section>

      <ConnectPanel
        agentId={agent.id}
        config={{ name: agent.slug, endpoints, bridgePath }}
        bridgeExists={fs.existsSync(installedBridge)}
        issue={
          obstacle
            ? { obstacle }
            : { action: issueTokenAction.bind(null, ctx.orgId), lifetimes: lifetimes.options, defaultLifetime: lifetimes.defaultValue }
        }
      />

      <section aria-labelledby="test-heading" className="space-y-3 rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="test-heading" className="text-base font-semibold">
          3. Test the connection
        </h2>
        <p className="text-sm text-slate-600">
          The server connects to its own gateway as this agent — <code className="font-mono text-xs">initialize</code>, then{' '}
          <code className="font-mono text-xs">tools/list</code> over Streamable HTTP — and shows what a client would see. It uses a
          token of its own (scope mcp, one minute) that is revoked as soon as the test ends; both show in the audit log. It does not
          check the token you copied, nor whether your client can reach {endpoints.streamable_http}.
        </p>
        {canTokens ? (
          <TestConnectionPanel action={testAgentConnectionAction.bind(null, ctx.orgId)} agentId={agent.id} permissionsHref={`${agentHref}/permissions`} />
        ) : (
          <p className="text-sm text-slate-600" data-testid="connect-test-not-allowed">
            The test issues a token for the agent, so only admins and owners can run it.
          </p>
        )}
      </section>
    </div>
  );
}
