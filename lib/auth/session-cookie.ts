// Reads the Auth.js session cookie of an API request without Next's request context, so route
// handlers (and their tests) authenticate browser sessions the same way everywhere.
import { getToken } from 'next-auth/jwt';
import { env } from '@/lib/env';
import { getAuthSecret } from './keys';

export function usesSecureCookies(): boolean {
  return env().PUBLIC_URL.startsWith('https://');
}

export interface SessionClaims {
  userId: string;
  sessionVersion: number;
}

export async function readSessionCookie(req: Request): Promise<SessionClaims | null> {
  if (!req.headers.get('cookie')) return null;
  const token = await getToken({
    req: { headers: { cookie: req.headers.get('cookie') ?? '' } },
    secret: getAuthSecret(),
    secureCookie: usesSecureCookies(),
    logger: { error: () => {}, warn: () => {}, debug: () => {} },
  });
  if (!token || typeof token.uid !== 'string' || typeof token.sv !== 'number') return null;
  return { userId: token.uid, sessionVersion: token.sv };
}
