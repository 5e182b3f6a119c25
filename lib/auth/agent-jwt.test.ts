// Agent JWTs: signing, the pinned verification rules, JWKS and rotation with overlap.
import fs from 'node:fs';
import { importJWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import * as jwksRoute from '@/app/.well-known/jwks.json/route';
import * as rotateRoute from '@/app/api/v1/admin/signing-keys/rotate/route';
import { agents, issuedTokens } from '@/db/schema';
import { env } from '@/lib/env';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import { makeOrg, makeUser, type TestOrg } from '@/test/helpers/fixtures';
import { AGENT_JWT_AUDIENCE, AGENT_JWT_TYP, agentJwtIssuer, signAgentToken, verifyAgentToken } from './agent-jwt';
import { publicJwks, rotateSigningKey, signingKey } from './signing-keys';

const t = setupTestDb();

let org: TestOrg;
let agentId: string;

async function issue(ttlSeconds = 3600) {
  const signed = await signAgentToken({ agentId, orgId: org.id, envId: org.envId, scopes: ['mcp'], ttlSeconds });
  await t.db.insert(issuedTokens).values({ organizationId: org.id, agentId, jti: signed.jti, expiresAt: signed.expiresAt, scopes: ['mcp'] });
  return signed;
}

beforeAll(async () => {
  org = await makeOrg();
  const [agent] = await t.db
    .insert(agents)
    .values({ organizationId: org.id, environmentId: org.envId, name: 'a', slug: 'a', mode: 'CALLER' })
    .returning();
  agentId = agent!.id;
});

describe('agent tokens', () => {
  it('verify with the claims they were issued with', async () => {
    const { token, jti } = await issue();
    const claims = await verifyAgentToken(t.db, token);
    expect(claims).toMatchObject({ agentId, orgId: org.id, envId: org.envId, jti, scopes: ['mcp'] });
  });

  it('are refused when tampered, unknown, expired or of another audience, issuer or type', async () => {
    const { token } = await issue();
    const [h, p, s] = token.split('.');
    const flipped = `${h}.${p}.${s!.slice(0, -2)}${s!.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await verifyAgentToken(t.db, flipped)).toBeNull();

    const key = await signingKey();
    const forge = async (mutate: (b: SignJWT) => SignJWT, typ = AGENT_JWT_TYP) => {
      const signed = await issue();
      const builder = new SignJWT({ org: org.id, env: org.envId, scopes: [] })
        .setProtectedHeader({ alg: 'ES256', typ, kid: key.kid })
        .setIssuer(agentJwtIssuer())
        .setAudience(AGENT_JWT_AUDIENCE)
        .setSubject(agentId)
        .setJti(signed.jti)
        .setIssuedAt()
        .setExpirationTime('1h');
      return mutate(builder).sign(key.privateKey);
    };
    expect(await verifyAgentToken(t.db, await forge((b) => b))).not.toBeNull(); // the control
    expect(await verifyAgentToken(t.db, await forge((b) => b.setAudience('someone-else')))).toBeNull();
    expect(await verifyAgentToken(t.db, await forge((b) => b.setIssuer('https://evil.example')))).toBeNull();
    expect(await verifyAgentToken(t.db, await forge((b) => b, 'JWT'))).toBeNull();
    expect(await verifyAgentToken(t.db, await forge((b) => b.setExpirationTime(Math.floor(Date.now() / 1000) - 10)))).toBeNull();
    expect(await verifyAgentToken(t.db, await forge((b) => b.setJti('not-issued')))).toBeNull();

    // Same claims signed by a key that is not in the ring.
    const { generateKeyPair } = await import('jose');
    const foreign = await generateKeyPair('ES256');
    const alien = await new SignJWT({ org: org.id, env: org.envId })
      .setProtectedHeader({ alg: 'ES256', typ: AGENT_JWT_TYP, kid: key.kid })
      .setIssuer(agentJwtIssuer())
      .setAudience(AGENT_JWT_AUDIENCE)
      .setSubject(agentId)
      .setJti((await issue()).jti)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(foreign.privateKey);
    expect(await verifyAgentToken(t.db, alien)).toBeNull();
  });

  it('refuses the "none" algorithm and HMAC with the public key', async () => {
    const signed = await issue();
    const payload = { sub: agentId, org: org.id, env: org.envId, jti: signed.jti, iss: agentJwtIssuer(), aud: AGENT_JWT_AUDIENCE, iat: 1, exp: 4102444800 };
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: AGENT_JWT_TYP })}.${b64(payload)}.`;
    expect(await verifyAgentToken(t.db, none)).toBeNull();
    const jwks = await publicJwks();
    const hmacKey = await importJWK({ kty: 'oct', k: Buffer.from(JSON.stringify(jwks.keys[0])).toString('base64url') }, 'HS256');
    const hs = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: AGENT_JWT_TYP }).sign(hmacKey);
    expect(await verifyAgentToken(t.db, hs)).toBeNull();
  });

  it('publishes only public keys in JWKS', async () => {
    const res = await jwksRoute.GET();
    const body = await res.json();
    expect(body.keys.length).toBeGreaterThan(0);
    for (const k of body.keys) {
      expect(k).not.toHaveProperty('d');
      expect(k).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    }
  });

  it('rotates with overlap: old tokens keep working, new ones use the new key', async () => {
    const before = await issue();
    const oldKid = (await signingKey()).kid;
    const rotated = await rotateSigningKey();
    expect(rotated.kid).not.toBe(oldKid);
    expect(await verifyAgentToken(t.db, before.token)).not.toBeNull();
    const after = await issue();
    const header = JSON.parse(Buffer.from(after.token.split('.')[0]!, 'base64url').toString());
    expect(header.kid).toBe(rotated.kid);
    const kids = (await publicJwks()).keys.map((k) => k.kid);
    expect(kids).toEqual([rotated.kid, oldKid]);
    // The ring on disk keeps private keys readable only by the owner.
    const stat = fs.statSync(`${env().DATA_DIR}/keys/agent-signing-keys.json`);
    expect(stat.mode & 0o077).toBe(0);
  });

  it('lets only the instance administrator rotate through the API', async () => {
    // makeOrg's owner registered first on this database, so it is the instance administrator.
    expect(org.owner.ctx.actor.isInstanceAdmin).toBe(true);
    const someone = await makeUser('someone');
    const refused = await call(rotateRoute.POST, 'POST', '/x', { token: someone.token });
    expect(refused.status).toBe(403);
    const ok = await call(rotateRoute.POST, 'POST', '/x', { token: org.owner.token });
    expect(ok.status).toBe(201);
    expect(ok.body.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
