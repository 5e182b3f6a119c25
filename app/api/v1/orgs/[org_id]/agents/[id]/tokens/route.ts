// GET /api/v1/orgs/{org_id}/agents/{id}/tokens/ – the agent's tokens, never the tokens themselves.
// POST – issue a token, shown once in the answer. Tokens are credentials: admin for both.
import { issueTokenSchema } from '@/lib/agents/schemas';
import { issueAgentToken, listAgentTokens } from '@/lib/agents/tokens';
import { listBody, parsePage } from '@/lib/api/pagination';
import { apiRoute, json } from '@/lib/api/route';

type P = { org_id: string; id: string };

export const GET = apiRoute<P>({ auth: 'user', permission: 'token.manage' }, async ({ ctx, params, url }) => {
  const page = parsePage(url);
  const { total, results } = await listAgentTokens(ctx, params.id, page);
  return json(listBody(url, page, total, results));
});

export const POST = apiRoute<P>({ auth: 'user', permission: 'token.manage' }, async ({ ctx, params, body }) =>
  json(await issueAgentToken(ctx, params.id, await body(issueTokenSchema)), 201),
);
