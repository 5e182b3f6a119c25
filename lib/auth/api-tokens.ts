// Opaque user API tokens: "axs_u_" + 32 random bytes (base64url). Only their SHA-256 is stored;
// the token is shown once, at login or registration.
import { createHash, randomBytes } from 'node:crypto';

export const USER_TOKEN_PREFIX = 'axs_u_';

export type TokenKind = 'user_api_token' | 'agent_jwt' | 'unknown';

const USER_TOKEN_PATTERN = /^axs_u_[A-Za-z0-9_-]{43}$/;
const JWT_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** The verifier is chosen by the token's form, never by trying one and falling back. */
export function tokenKind(token: string): TokenKind {
  if (USER_TOKEN_PATTERN.test(token)) return 'user_api_token';
  if (JWT_PATTERN.test(token)) return 'agent_jwt';
  return 'unknown';
}

export function generateUserToken(): { token: string; hash: string; prefix: string } {
  const token = USER_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token), prefix: token.slice(0, USER_TOKEN_PREFIX.length + 4) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The credential of an Authorization header: "Token <t>" or "Bearer <t>". */
export function credentialFromHeader(header: string | null): string | null {
  if (!header) return null;
  const match = /^(?:Token|Bearer)\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}
