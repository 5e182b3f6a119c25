// Who is calling: an API token in the Authorization header, else the browser session cookie.
import type { Db } from '@/db/client';
import { resolveApiToken, resolveSessionUser } from '@/lib/accounts/service';
import { AppError, unauthenticated } from '@/lib/api/errors';
import { verifyAgentToken } from './agent-jwt';
import { AGENT_ID_HEADER, forwardedCertificate, verifyBearerSecret, verifyClientCertificate } from './inbound-credentials';
import { credentialFromHeader, tokenKind } from './api-tokens';
import type { Actor } from './context';
import { readSessionCookie } from './session-cookie';

export async function authenticate(req: Request, db: Db): Promise<Actor> {
  const header = req.headers.get('authorization');
  if (header !== null) {
    const credential = credentialFromHeader(header);
    if (!credential) throw unauthenticated('Use "Authorization: Token <token>" or "Bearer <token>"');
    switch (tokenKind(credential)) {
      case 'user_api_token': {
        const found = await resolveApiToken(db, credential);
        if (!found) throw unauthenticated('Invalid or expired token');
        return {
          kind: 'user',
          userId: found.user.id,
          email: found.user.email,
          isInstanceAdmin: found.user.isInstanceAdmin,
          via: 'api_token',
          tokenId: found.tokenId,
        };
      }
      case 'agent_jwt': {
        const claims = await verifyAgentToken(db, credential);
        if (!claims) throw unauthenticated('Invalid or expired token');
        return {
          kind: 'agent',
          agentId: claims.agentId,
          orgId: claims.orgId,
          envId: claims.envId,
          jti: claims.jti,
          scopes: claims.scopes,
          via: 'agent_jwt',
        };
      }
      default:
        // Not one of our token forms: with X-Agent-Id it is an agent's static BEARER secret.
        if (req.headers.has(AGENT_ID_HEADER)) return verifyBearerSecret(db, req.headers.get(AGENT_ID_HEADER), credential);
        throw unauthenticated('Unrecognised token format');
    }
  }
  if (req.headers.has(AGENT_ID_HEADER) && forwardedCertificate(req.headers) !== null) {
    return verifyClientCertificate(db, req.headers);
  }
  const session = await readSessionCookie(req);
  if (session) {
    const user = await resolveSessionUser(db, session.userId, session.sessionVersion);
    if (user) {
      return {
        kind: 'user',
        userId: user.id,
        email: user.email,
        isInstanceAdmin: user.isInstanceAdmin,
        via: 'session',
      };
    }
  }
  return { kind: 'anonymous' };
}

/**
 * A browser (cookie) session may only make unsafe requests from our own origin: cookies are sent
 * cross-site, so without this any page could act as the signed-in user.
 */
export function assertSameOrigin(req: Request, publicUrl: string): void {
  const site = req.headers.get('sec-fetch-site');
  if (site === 'same-origin') return;
  const origin = req.headers.get('origin');
  const allowed = new Set([new URL(publicUrl).origin, new URL(req.url).origin]);
  if (origin && allowed.has(origin)) return;
  throw new AppError('forbidden', 'Cross-site request refused', { reason: 'csrf' });
}
