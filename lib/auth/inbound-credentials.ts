// An agent's own inbound credential (API-NOTES, "Identities and credentials"), beside platform
// JWTs: BEARER — its static bearer secret, compared in constant time; MTLS — its client
// certificate, forwarded by a TLS terminator that proves itself with PROXY_SECRET, matched
// against the certificate stored at the agent's mtls_cert_ref. Either way the request names the
// agent in X-Agent-Id, which is what makes the credential's form recognisable.
import { createHash, timingSafeEqual, X509Certificate } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { agents, type Agent } from '@/db/schema';
import { AppError, unauthenticated } from '@/lib/api/errors';
import { env } from '@/lib/env';
import { resolveSecret } from '@/lib/secrets/service';
import { authLimiter } from '@/lib/accounts/throttle';
import type { AgentActor } from './context';

export const AGENT_ID_HEADER = 'x-agent-id';
export const PROXY_SECRET_HEADER = 'x-axs-proxy-secret';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Static secrets are meant to be long and random; this only slows down guessing.
const FAILURES_PER_AGENT = { capacity: 20, refillPerSecond: 20 / 900 };

/** Equal-length digests, so the comparison takes the same time whatever the inputs. */
function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

const refused = () => unauthenticated('Invalid or expired token');

async function enabledAgent(db: Db, agentId: string | null, method: 'BEARER' | 'MTLS'): Promise<Agent> {
  if (!agentId || !UUID.test(agentId)) throw refused();
  const [agent] = await db.select().from(agents).where(eq(agents.id, agentId));
  if (!agent || !agent.enabled || agent.inboundAuthMethod !== method) throw refused();
  return agent;
}

function actorOf(agent: Agent, via: AgentActor['via'], credential: string): AgentActor {
  return { kind: 'agent', agentId: agent.id, orgId: agent.organizationId, envId: agent.environmentId, jti: null, credential, scopes: [], via };
}

/**
 * What tells one static credential from the next without revealing it: a digest of the BEARER
 * secret, the client certificate's SHA-256 fingerprint. Kept with open MCP sessions (in memory
 * only), so that sessions opened with a credential that was since rotated are ended.
 */
const bearerFingerprint = (secret: string) => `bearer:${createHash('sha256').update(secret).digest('base64url')}`;
const certificateFingerprint = (cert: X509Certificate) => `mtls:${cert.fingerprint256}`;

export type StaticCredentialAgent = Pick<Agent, 'organizationId' | 'enabled' | 'inboundAuthMethod' | 'bearerSecretRef' | 'inboundSecretRef' | 'mtlsCertRef'>;

/**
 * The fingerprint of the static credential the agent accepts now, or null (none: no secret or
 * certificate stored, not a static method). Throws when the store cannot be read right now (a
 * database or key service failure): that says nothing about the credential.
 */
export async function currentStaticCredential(db: Db, agent: StaticCredentialAgent): Promise<string | null> {
  if (!agent.enabled) return null;
  const read = async (ref: string | null) => {
    if (!ref) return null;
    try {
      return await resolveSecret({ db, orgId: agent.organizationId }, ref);
    } catch (error) {
      if (error instanceof AppError && error.status === 404) return null;
      throw error;
    }
  };
  if (agent.inboundAuthMethod === 'BEARER') {
    const secret = await read(agent.bearerSecretRef || agent.inboundSecretRef);
    return secret === null ? null : bearerFingerprint(secret);
  }
  if (agent.inboundAuthMethod === 'MTLS') {
    const pem = await read(agent.mtlsCertRef);
    const cert = pem ? parseForwardedCertificate(pem) : null;
    return cert ? certificateFingerprint(cert) : null;
  }
  return null;
}

async function throttleFailure(agentId: string): Promise<void> {
  await authLimiter().consume(`inbound:agent:${agentId}`, FAILURES_PER_AGENT);
}

async function assertNotThrottled(agentId: string): Promise<void> {
  // A zero-cost peek: consume(…, 0) reports whether the bucket still has tokens.
  const state = await authLimiter().consume(`inbound:agent:${agentId}`, FAILURES_PER_AGENT, 0);
  if (state.remaining < 1) throw refused();
}

/** `Authorization: Bearer <static secret>` with `X-Agent-Id: <agent id>`. */
export async function verifyBearerSecret(db: Db, agentId: string | null, presented: string): Promise<AgentActor> {
  const agent = await enabledAgent(db, agentId, 'BEARER');
  await assertNotThrottled(agent.id);
  const ref = agent.bearerSecretRef || agent.inboundSecretRef;
  const expected = ref ? await resolveSecret({ db, orgId: agent.organizationId }, ref).catch(() => null) : null;
  if (expected === null || !sameSecret(presented, expected)) {
    await throttleFailure(agent.id);
    throw refused();
  }
  return actorOf(agent, 'bearer_secret', bearerFingerprint(expected));
}

/** The forwarded client certificate, in any of the forms TLS terminators use. */
export function parseForwardedCertificate(raw: string): X509Certificate | null {
  try {
    let text = raw.trim();
    if (text.includes('%')) text = decodeURIComponent(text);
    if (text.includes('-----BEGIN CERTIFICATE-----')) {
      // Some proxies put the PEM on one line, with spaces instead of newlines.
      const body = text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
      return new X509Certificate(`-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`);
    }
    return new X509Certificate(Buffer.from(text, 'base64'));
  } catch {
    return null;
  }
}

/** Only a request that carries the proxy's secret may vouch for a client certificate. */
export function proxyVouches(headers: Headers): boolean {
  const secret = env().PROXY_SECRET;
  const presented = headers.get(PROXY_SECRET_HEADER);
  return Boolean(secret && presented && sameSecret(presented, secret));
}

export function forwardedCertificate(headers: Headers): string | null {
  return headers.get(env().MTLS_CLIENT_CERT_HEADER);
}

/** A client certificate forwarded by the trusted proxy, matched to the agent's stored one. */
export async function verifyClientCertificate(db: Db, headers: Headers): Promise<AgentActor> {
  if (!proxyVouches(headers)) throw refused();
  const agent = await enabledAgent(db, headers.get(AGENT_ID_HEADER), 'MTLS');
  await assertNotThrottled(agent.id);
  const presented = parseForwardedCertificate(forwardedCertificate(headers) ?? '');
  const storedPem = agent.mtlsCertRef
    ? await resolveSecret({ db, orgId: agent.organizationId }, agent.mtlsCertRef).catch(() => null)
    : null;
  const stored = storedPem ? parseForwardedCertificate(storedPem) : null;
  const now = Date.now();
  const valid =
    presented !== null &&
    stored !== null &&
    sameSecret(presented.fingerprint256, stored.fingerprint256) &&
    Date.parse(presented.validFrom) <= now &&
    now <= Date.parse(presented.validTo);
  if (!valid) {
    await throttleFailure(agent.id);
    throw refused();
  }
  return actorOf(agent, 'mtls', certificateFingerprint(stored!));
}
