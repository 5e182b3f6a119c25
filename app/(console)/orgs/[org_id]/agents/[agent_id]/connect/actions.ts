'use server';
// "Test connection" from the Connect page: initialize + tools/list against the gateway as the
// agent (lib/agents/connect.ts). It issues and revokes a token of the agent, so it needs the role
// that issues tokens, checked on every call like any console action.
import { z } from 'zod';
import { testAgentConnection, type AgentConnectionTest } from '@/lib/agents/connect';
import { orgAction, type ActionInput, type ActionState } from '@/lib/auth/org-action';

export interface ConnectionTestState extends ActionState {
  result?: AgentConnectionTest;
}

export async function testAgentConnectionAction(orgId: string, prev: ConnectionTestState, input: ActionInput): Promise<ConnectionTestState> {
  let result: AgentConnectionTest | undefined;
  const run = orgAction('token.manage', z.strictObject({ agent_id: z.string() }), async (ctx, { agent_id }) => {
    result = await testAgentConnection(ctx, agent_id);
    return result;
  });
  const state = await run(orgId, prev, input);
  return result ? { ...state, result } : state;
}
