'use server';
// Agent and agent-token changes from the console: the same services and schemas as REST, and the
// same roles (members manage agents; tokens are credentials, so admins issue, revoke and delete
// them, and create-axcore, which issues one). Checked again on every call.
import { z } from 'zod';
import type { IssuedTokenView } from '@/components/agents/one-time-token';
import { createAxcoreAgent } from '@/lib/agents/create-axcore';
import { createAgent, deleteAgent, getAgent, updateAgent } from '@/lib/agents/service';
import { deleteAgentToken, issueAgentToken, revokeAgentToken } from '@/lib/agents/tokens';
import { invalidInput } from '@/lib/api/errors';
import { orgAction, type ActionInput, type ActionState } from '@/lib/auth/org-action';
import { agentEnabledForm, axcoreForm, createAgentForm, editAgentForm, issueTokenForm, tokenRefForm } from './form-schemas';

const agentPath = (a: { organization_id: string; id: string }) => `/orgs/${a.organization_id}/agents/${a.id}`;

export const createAgentAction = orgAction('agent.manage', createAgentForm, createAgent, { redirectTo: agentPath });

export const updateAgentAction = orgAction(
  'agent.manage',
  editAgentForm,
  (ctx, { agent_id, ...changes }) => updateAgent(ctx, agent_id, changes),
  { ok: (a) => `Agent ${a.name} saved.` },
);

export const setAgentEnabledAction = orgAction(
  'agent.manage',
  agentEnabledForm,
  (ctx, { agent_id, enabled }) => updateAgent(ctx, agent_id, { enabled }),
  {
    ok: (a) =>
      a.enabled
        ? `Agent ${a.name} is enabled: its valid tokens work again from the next request on.`
        : `Agent ${a.name} is disabled: every request with its tokens is refused from the next one on.`,
  },
);

export const deleteAgentAction = orgAction(
  'agent.manage',
  z.strictObject({ agent_id: z.string(), confirm: z.string() }),
  async (ctx, { agent_id, confirm }) => {
    const agent = await getAgent(ctx, agent_id);
    if (confirm.trim() !== agent.name) throw invalidInput({ confirm: [`Does not match ${agent.name}`] }, 'Nothing was deleted');
    await deleteAgent(ctx, agent.id);
    return agent;
  },
  { redirectTo: (a) => `/orgs/${a.organization_id}/agents` },
);

/** A form state that may carry a token just issued: shown once by the form, kept nowhere else. */
export interface IssuedTokenState extends ActionState {
  issued?: IssuedTokenView;
  agent?: { id: string; name: string };
}

export async function issueTokenAction(orgId: string, prev: IssuedTokenState, input: ActionInput): Promise<IssuedTokenState> {
  let issued: IssuedTokenView | undefined;
  const run = orgAction(
    'token.manage',
    issueTokenForm,
    async (ctx, { agent_id, ...request }) => {
      const t = await issueAgentToken(ctx, agent_id, request);
      issued = { token: t.token, jti: t.jti, expires_at: t.expires_at, scopes: t.scopes };
      return t;
    },
    { ok: 'Token issued.' },
  );
  const state = await run(orgId, prev, input);
  return issued ? { ...state, issued } : state;
}

export async function createAxcoreAction(orgId: string, prev: IssuedTokenState, input: ActionInput): Promise<IssuedTokenState> {
  let created: Pick<IssuedTokenState, 'issued' | 'agent'> | undefined;
  const run = orgAction(
    'token.manage',
    axcoreForm,
    async (ctx, request) => {
      const result = await createAxcoreAgent(ctx, request);
      created = { issued: result.token, agent: { id: result.agent.id, name: result.agent.name } };
      return result;
    },
    { ok: (r) => `Agent ${r.agent.name} created with service account ${r.service_account.name} and policy ${r.policy.name}.` },
  );
  const state = await run(orgId, prev, input);
  return created ? { ...state, ...created } : state;
}

export const revokeTokenAction = orgAction(
  'token.manage',
  tokenRefForm,
  (ctx, { agent_id, jti }) => revokeAgentToken(ctx, agent_id, jti),
  { ok: (t) => `Token ${t.jti.slice(0, 8)}… revoked: it is refused from its next use on.` },
);

export const deleteTokenAction = orgAction(
  'token.manage',
  tokenRefForm,
  async (ctx, { agent_id, jti }) => {
    await deleteAgentToken(ctx, agent_id, jti);
    return jti;
  },
  { ok: (jti) => `Token ${jti.slice(0, 8)}… deleted.` },
);
