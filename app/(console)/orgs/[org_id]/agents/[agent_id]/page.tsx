import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import type { AgentFieldValues } from '@/components/agents/agent-fields';
import { EnabledBadge, ModeBadge, Tag, TokenStatusBadge } from '@/components/agents/badges';
import { EnabledSwitch } from '@/components/agents/enabled-switch';
import { formatUtc } from '@/components/agents/format';
import { EnvironmentTypeBadge } from '@/components/console/badges';
import { ConfirmDelete } from '@/components/console/confirm-delete';
import { Pager, pageFromSearch } from '@/components/console/pager';
import { getAgent, type PublicAgent } from '@/lib/agents/service';
import { getServiceAccount, type PublicServiceAccount } from '@/lib/agents/service-accounts';
import { listAgentTokens } from '@/lib/agents/tokens';
import { AppError } from '@/lib/api/errors';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import type { OrgCtx } from '@/lib/tenancy/access';
import { getEnvironment } from '@/lib/tenancy/environments';
import {
  deleteAgentAction,
  deleteTokenAction,
  issueTokenAction,
  revokeTokenAction,
  setAgentEnabledAction,
  updateAgentAction,
} from '../actions';
import { EditAgentForm } from '../agent-forms';
import { connectionOptions, secretOptions, tokenLifetimes } from '../choices';
import { DeleteTokenForm, IssueTokenForm, RevokeTokenForm } from '../token-forms';

export const metadata: Metadata = { title: 'Agent' };

const TOKEN_PAGE_SIZE = 50;

/** 404 for an agent of another organization or none, exactly like an unknown organization. */
async function agentOr404(ctx: OrgCtx, agentId: string): Promise<PublicAgent> {
  try {
    return await getAgent(ctx, agentId);
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') notFound();
    throw error;
  }
}

/** A service account that was deleted meanwhile is simply not shown. */
async function serviceAccountOf(ctx: OrgCtx, agent: PublicAgent): Promise<PublicServiceAccount | null> {
  if (!agent.service_account_id) return null;
  try {
    return await getServiceAccount(ctx, agent.service_account_id);
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') return null;
    throw error;
  }
}

const toFieldValues = (a: PublicAgent): AgentFieldValues => ({
  name: a.name,
  slug: a.slug,
  description: a.description ?? '',
  mode: a.mode,
  connection_id: a.connection_id ?? '',
  inbound_auth_method: a.inbound_auth_method,
  bearer_secret_ref: a.bearer_secret_ref ?? '',
  mtls_cert_ref: a.mtls_cert_ref ?? '',
  mtls_key_ref: a.mtls_key_ref ?? '',
  capabilities: Object.keys(a.capabilities).length ? JSON.stringify(a.capabilities, null, 2) : '',
  tags: a.tags.join(', '),
});

export default async function AgentPage({
  params,
  searchParams,
}: {
  params: Promise<{ org_id: string; agent_id: string }>;
  searchParams: Promise<{ page?: string | string[] }>;
}) {
  const { org_id: orgId, agent_id: agentId } = await params;
  const ctx = await pageOrgCtx(orgId, 'org.read');
  const agent = await agentOr404(ctx, agentId);
  const [environment, account] = await Promise.all([getEnvironment(ctx, agent.environment_id), serviceAccountOf(ctx, agent)]);
  const canManage = can(ctx.role, 'agent.manage');
  const canTokens = can(ctx.role, 'token.manage');
  const base = `/orgs/${ctx.orgId}/agents`;
  const secretsHref = `/orgs/${ctx.orgId}/secrets`;

  return (
    <div className="space-y-8">
      <div>
        <Link href={base} className="text-sm text-brand-600 hover:underline">
          ← Agents
        </Link>
        <h1 className="mt-1 flex flex-wrap items-center gap-3 text-2xl font-semibold tracking-tight" data-testid="agent-name">
          {agent.name}
        </h1>
        <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
          <code className="font-mono text-xs">{agent.slug}</code>
          <ModeBadge mode={agent.mode} />
          <EnabledBadge enabled={agent.enabled} />
          <span>in {environment.name}</span>
          <EnvironmentTypeBadge type={environment.type} />
        </p>
        <p className="mt-1 text-xs text-slate-500">
          id <code className="font-mono" data-testid="agent-id">{agent.id}</code>
        </p>
        <p className="mt-2 text-sm">
          <Link href={`${base}/${agent.id}/permissions`} className="font-medium text-brand-600 hover:underline">
            Effective permissions
          </Link>{' '}
          <span className="text-slate-600">— which tools this agent may use under the current policies, and why.</span>
        </p>
        <p className="mt-1 text-sm">
          <Link href={`${base}/${agent.id}/connect`} className="font-medium text-brand-600 hover:underline">
            Connect a client
          </Link>{' '}
          <span className="text-slate-600">— endpoints, a token and ready-to-paste configs for Claude Desktop and other MCP clients.</span>
        </p>
      </div>

      <section aria-labelledby="kill-switch-heading" className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="kill-switch-heading" className="mb-3 text-base font-semibold">
          Kill switch
        </h2>
        {canManage ? (
          <EnabledSwitch
            action={setAgentEnabledAction.bind(null, ctx.orgId)}
            enabled={agent.enabled}
            label={`Agent ${agent.name} enabled`}
            hidden={{ agent_id: agent.id }}
            note="Disabling takes effect on the next request: every token of this agent is refused from then on, without revoking them. Enabling lets its valid tokens work again."
          />
        ) : (
          <p className="text-sm text-slate-600">
            The agent is <EnabledBadge enabled={agent.enabled} />. Members, admins and owners can switch it off; it takes effect
            on the next request.
          </p>
        )}
      </section>

      <section aria-labelledby="tokens-heading" className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="tokens-heading" className="mb-1 text-base font-semibold">
          Tokens
        </h2>
        {canTokens ? (
          <TokensSection ctx={ctx} agent={agent} account={account} searchParams={searchParams} />
        ) : (
          <p className="text-sm text-slate-600" data-testid="tokens-not-allowed">
            Tokens are credentials: only admins and owners issue, list and revoke them.
          </p>
        )}
      </section>

      {canManage ? (
        <section aria-labelledby="edit-agent-heading" className="rounded-lg border border-slate-200 bg-white p-6">
          <h2 id="edit-agent-heading" className="mb-4 text-base font-semibold">
            Edit agent
          </h2>
          <EditAgentForm
            action={updateAgentAction.bind(null, ctx.orgId)}
            agentId={agent.id}
            values={toFieldValues(agent)}
            secrets={await secretOptions(ctx)}
            connections={await connectionOptions(ctx, agent.environment_id)}
            secretsHref={secretsHref}
          />
        </section>
      ) : (
        <AgentDetails agent={agent} />
      )}

      <section aria-labelledby="identity-heading" className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="identity-heading" className="mb-2 text-base font-semibold">
          Service account
        </h2>
        <p className="text-sm text-slate-600">
          {account ? (
            <>
              Authenticates as <strong>{account.name}</strong> (subject <code className="font-mono text-xs">{account.subject}</code>)
              {account.scope_allowlist.length ? `, which allows the scopes ${account.scope_allowlist.join(', ')}` : ', which allows every scope'}
              {account.enabled ? '.' : ' — disabled, so no tokens can be issued.'}{' '}
            </>
          ) : (
            'None: the agent authenticates with platform tokens and its inbound auth method only. '
          )}
          <Link href={`/orgs/${ctx.orgId}/service-accounts`} className="font-medium text-brand-600 hover:underline">
            Service accounts
          </Link>
        </p>
      </section>

      {canManage && (
        <section aria-labelledby="danger-heading" className="rounded-lg border border-red-200 bg-white p-6">
          <h2 id="danger-heading" className="mb-2 text-base font-semibold text-red-800">
            Delete agent
          </h2>
          <ConfirmDelete
            action={deleteAgentAction.bind(null, ctx.orgId)}
            hidden={{ agent_id: agent.id }}
            name={agent.name}
            what="agent"
            idPrefix={`agent-${agent.id}-delete`}
            consequence="This deletes the agent and all its tokens; they stop working at once. Policy bindings that name it stop matching."
          />
        </section>
      )}
    </div>
  );
}

async function TokensSection({
  ctx,
  agent,
  account,
  searchParams,
}: {
  ctx: OrgCtx;
  agent: PublicAgent;
  account: PublicServiceAccount | null;
  searchParams: Promise<{ page?: string | string[] }>;
}) {
  const page = pageFromSearch((await searchParams).page, TOKEN_PAGE_SIZE);
  const { total, results } = await listAgentTokens(ctx, agent.id, page);
  const lifetimes = tokenLifetimes();
  const allowlist = account?.scope_allowlist ?? [];
  const revoke = revokeTokenAction.bind(null, ctx.orgId);
  const remove = deleteTokenAction.bind(null, ctx.orgId);
  return (
    <div className="space-y-6">
      <p className="text-sm text-slate-600">
        Platform tokens (signed JWTs) the agent sends as <code className="font-mono text-xs">Authorization: Bearer …</code>.
        A token is shown once, when it is issued; this list shows its id (jti) only. Lifetimes go up to {lifetimes.max}.
      </p>
      {agent.enabled ? (
        <IssueTokenForm
          action={issueTokenAction.bind(null, ctx.orgId)}
          agentId={agent.id}
          lifetimes={lifetimes.options}
          defaultLifetime={lifetimes.defaultValue}
          allowedScopes={allowlist}
          scopeHint={
            allowlist.length
              ? `Its service account ${account!.name} allows only: ${allowlist.join(', ')}.`
              : 'Tick what the token may be used for; fewer is safer.'
          }
        />
      ) : (
        <p className="text-sm text-amber-800" data-testid="tokens-agent-disabled">
          The agent is disabled: enable it to issue tokens. Its existing tokens are refused while it is disabled.
        </p>
      )}
      {total === 0 ? (
        <p className="text-sm text-slate-600" data-testid="tokens-empty">
          No tokens yet.
        </p>
      ) : (
        <table className="w-full text-left text-sm" aria-label="Tokens">
          <thead className="text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="py-2 pr-3 font-medium">jti</th>
              <th scope="col" className="py-2 pr-3 font-medium">Scopes</th>
              <th scope="col" className="py-2 pr-3 font-medium">Created</th>
              <th scope="col" className="py-2 pr-3 font-medium">Expires</th>
              <th scope="col" className="py-2 pr-3 font-medium">Status</th>
              <th scope="col" className="py-2 font-medium">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {results.map((t) => (
              <tr key={t.id} data-testid="token-row" data-jti={t.jti} className="align-top">
                <td className="py-3 pr-3">
                  <code className="font-mono text-xs" title={t.jti}>
                    {t.jti.slice(0, 8)}…
                  </code>
                  {t.name && <div className="text-xs text-slate-500">{t.name}</div>}
                </td>
                <td className="py-3 pr-3 text-xs">{t.scopes.join(', ')}</td>
                <td className="py-3 pr-3 text-xs whitespace-nowrap">
                  <time dateTime={t.created_at}>{formatUtc(t.created_at)}</time>
                </td>
                <td className="py-3 pr-3 text-xs whitespace-nowrap">
                  <time dateTime={t.expires_at}>{formatUtc(t.expires_at)}</time>
                </td>
                <td className="py-3 pr-3">
                  <TokenStatusBadge status={t.status} />
                </td>
                <td className="py-3">
                  <div className="flex flex-wrap items-start gap-2">
                    {t.status === 'active' && <RevokeTokenForm action={revoke} agentId={agent.id} jti={t.jti} />}
                    <DeleteTokenForm action={remove} agentId={agent.id} jti={t.jti} usable={t.status === 'active'} />
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager path={`/orgs/${ctx.orgId}/agents/${agent.id}`} page={page.page} pageSize={TOKEN_PAGE_SIZE} total={total} />
    </div>
  );
}

/** What a viewer sees instead of the edit form. */
function AgentDetails({ agent }: { agent: PublicAgent }) {
  const refs = [
    ['Bearer secret', agent.bearer_secret_ref],
    ['Inbound secret', agent.inbound_secret_ref],
    ['Client certificate', agent.mtls_cert_ref],
    ['Client key', agent.mtls_key_ref],
  ].filter((r): r is [string, string] => Boolean(r[1]));
  return (
    <section aria-labelledby="details-heading" className="rounded-lg border border-slate-200 bg-white p-6">
      <h2 id="details-heading" className="mb-4 text-base font-semibold">
        Details
      </h2>
      <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-[12rem_1fr]">
        <dt className="font-medium text-slate-600">Description</dt>
        <dd>{agent.description ?? <span className="text-slate-400">none</span>}</dd>
        <dt className="font-medium text-slate-600">Inbound auth</dt>
        <dd>{agent.inbound_auth_method}</dd>
        {refs.map(([label, ref]) => (
          <div key={label} className="contents">
            <dt className="font-medium text-slate-600">{label}</dt>
            <dd className="font-mono text-xs">{ref}</dd>
          </div>
        ))}
        <dt className="font-medium text-slate-600">Capabilities</dt>
        <dd>
          <pre className="overflow-x-auto rounded bg-slate-50 p-2 font-mono text-xs">{JSON.stringify(agent.capabilities, null, 2)}</pre>
        </dd>
        <dt className="font-medium text-slate-600">Tags</dt>
        <dd className="flex flex-wrap gap-1">
          {agent.tags.length ? agent.tags.map((t) => <Tag key={t}>{t}</Tag>) : <span className="text-slate-400">none</span>}
        </dd>
      </dl>
    </section>
  );
}
