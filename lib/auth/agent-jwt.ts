// Agent tokens: platform JWTs signed with the ring of lib/auth/signing-keys.ts. Verification pins
// the algorithm, `typ`, issuer and audience, then checks the token's row (revocation, expiry) and
// its agent (enabled) in the database on every request — so a revocation or a disabled agent takes
// effect on the very next request, on every instance.
import { createHash, randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { Db } from '@/db/client';
import { agents, issuedTokens } from '@/db/schema';
import { env } from '@/lib/env';
import { AGENT_JWT_ALG, signingKey, verificationKey } from './signing-keys';

export const AGENT_JWT_TYP = 'axs-agent+jwt';
export const AGENT_JWT_AUDIENCE = 'agentxsuite';

export const agentJwtIssuer = () => env().PUBLIC_URL;

export interface AgentClaims {
  agentId: string;
  orgId: string;
  envId: string;
  jti: string;
  scopes: string[];
  expiresAt: Date;
}

/** Signs a token for an agent; the caller stores its jti (IssuedToken) in the same transaction. */
export async function signAgentToken(input: {
  agentId: string;
  orgId: string;
  envId: string;
  scopes: string[];
  ttlSeconds: number;
}): Promise<{ token: string; jti: string; expiresAt: Date }> {
  const key = await signingKey();
  const jti = randomUUID();
  const now = Math.floor(Date.now() / 1000);
  const exp = now + input.ttlSeconds;
  const token = await new SignJWT({ org: input.orgId, env: input.envId, scopes: input.scopes })
    .setProtectedHeader({ alg: AGENT_JWT_ALG, typ: AGENT_JWT_TYP, kid: key.kid })
    .setIssuer(agentJwtIssuer())
    .setAudience(AGENT_JWT_AUDIENCE)
    .setSubject(input.agentId)
    .setJti(jti)
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .sign(key.privateKey);
  return { token, jti, expiresAt: new Date(exp * 1000) };
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/**
 * The claims of a valid, unrevoked token of an enabled agent, or null. Callers answer every null
 * with the same 401: the reason (expired, revoked, forged …) would only help an attacker.
 */
export async function verifyAgentToken(db: Db, token: string): Promise<AgentClaims | null> {
  const key = createHash('sha256').update(token).digest('base64url');
  const known = verified.get(key);
  if (known && known.until > Date.now() && known.claims.expiresAt.getTime() > Date.now()) return known.claims;
  const generation = remembered.forgets;
  const claims = await verifyAgentTokenNow(db, token);
  // A revocation that landed while this verification read the database must win: what was read
  // may predate it, so it is used for this request only and not remembered.
  if (claims && generation === remembered.forgets) remember(key, claims);
  else verified.delete(key);
  return claims;
}

// A token verified less than a second ago is not verified again: an agent's MCP session sends
// many requests, and each one would otherwise pay a signature check and a database read. On this
// instance a revocation, disabling or deleting the agent, or changing it forgets its tokens at
// once (forgetVerifiedAgentTokens); another instance learns it from the database within the second.
const VERIFIED_FOR_MS = 1_000;
const MAX_REMEMBERED = 10_000;
// On globalThis: Next bundles server actions (the console's revoke button) apart from the route
// handlers, and both must see one table, or a console revocation would miss the gateway's copy.
// `forgets` counts forget calls: a verification that saw it change while it ran is not remembered.
const g = globalThis as unknown as { __axsAgentTokenVerifications?: { entries: Map<string, { claims: AgentClaims; until: number }>; forgets: number } };
const remembered = (g.__axsAgentTokenVerifications ??= { entries: new Map(), forgets: 0 });
const verified = remembered.entries;

function remember(key: string, claims: AgentClaims): void {
  verified.delete(key);
  if (verified.size >= MAX_REMEMBERED) verified.delete(verified.keys().next().value!);
  verified.set(key, { claims, until: Date.now() + VERIFIED_FOR_MS });
}

/** Forgets every remembered verification of this agent's tokens (or of one token, by jti). */
export function forgetVerifiedAgentTokens(agentId: string, jti?: string): void {
  remembered.forgets++;
  for (const [key, entry] of verified) {
    if (entry.claims.agentId === agentId && (!jti || entry.claims.jti === jti)) verified.delete(key);
  }
}

async function verifyAgentTokenNow(db: Db, token: string): Promise<AgentClaims | null> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(
      token,
      async (header) => {
        const key = await verificationKey(header.kid);
        if (!key) throw new joseErrors.JWKSNoMatchingKey();
        return key.publicKey;
      },
      { algorithms: [AGENT_JWT_ALG], typ: AGENT_JWT_TYP, issuer: agentJwtIssuer(), audience: AGENT_JWT_AUDIENCE, requiredClaims: ['sub', 'jti', 'exp', 'iat'] },
    ));
  } catch {
    return null;
  }
  const { sub, jti, org, env: envId, scopes } = payload as JWTPayload & { org?: unknown; env?: unknown; scopes?: unknown };
  if (!isString(sub) || !isString(jti) || !isString(org) || !isString(envId)) return null;
  const [row] = await db
    .select({ revokedAt: issuedTokens.revokedAt, expiresAt: issuedTokens.expiresAt, enabled: agents.enabled, agentEnv: agents.environmentId })
    .from(issuedTokens)
    .innerJoin(agents, eq(agents.id, issuedTokens.agentId))
    .where(and(eq(issuedTokens.jti, jti), eq(issuedTokens.agentId, sub), eq(issuedTokens.organizationId, org)));
  if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now() || !row.enabled || row.agentEnv !== envId) return null;
  return {
    agentId: sub,
    orgId: org,
    envId,
    jti,
    scopes: Array.isArray(scopes) ? scopes.filter(isString) : [],
    expiresAt: row.expiresAt,
  };
}
