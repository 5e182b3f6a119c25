// GET /api/v1/agents/me – the calling agent's identity and token (agent credential only; a user
// token gets 403, a revoked, expired or forged token 401).
import { getAgentSelf } from '@/lib/agents/me';
import { apiRoute, json } from '@/lib/api/route';

export const GET = apiRoute({ auth: 'agent' }, async ({ ctx }) => json(await getAgentSelf(ctx)));
