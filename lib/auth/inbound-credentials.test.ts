// Agents' own inbound credentials on the agent-facing endpoint: a static BEARER secret compared in
// constant time, and an MTLS client certificate vouched for by the TLS terminator.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as meRoute from '@/app/api/v1/agents/me/route';
import { agents } from '@/db/schema';
import { resetAuthLimiter } from '@/lib/accounts/throttle';
import { resetEnvCache } from '@/lib/env';
import { storeSecret } from '@/lib/secrets/service';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import { makeOrg, type TestOrg } from '@/test/helpers/fixtures';
import { parseForwardedCertificate } from './inbound-credentials';

const t = setupTestDb();
const PROXY_SECRET = 'proxy-secret-0123456789-abcdefghijklmnop';

let org: TestOrg;

function makeCertificate(cn: string): { certPem: string; keyPem: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'axs-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
      '-subj', `/CN=${cn}`, '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { certPem: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'), keyPem: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function secret(value: string): Promise<string> {
  return (await storeSecret(org.ownerCtx, { value, name: undefined })).secret_ref;
}

async function agent(values: Partial<typeof agents.$inferInsert>) {
  const [row] = await t.db
    .insert(agents)
    .values({ organizationId: org.id, environmentId: org.envId, name: `a-${Math.random()}`, slug: `a-${Math.random()}`.replace('.', ''), mode: 'CALLER', ...values })
    .returning();
  return row!;
}

const me = (headers: Record<string, string>) => call(meRoute.GET, 'GET', '/api/v1/agents/me', { headers });

beforeAll(async () => {
  org = await makeOrg();
});

afterEach(() => {
  delete process.env.PROXY_SECRET;
  resetEnvCache();
  resetAuthLimiter();
});

describe('BEARER static secret', () => {
  it('admits the agent with X-Agent-Id and its secret, and nothing else', async () => {
    const value = `static-${'x'.repeat(40)}`;
    const a = await agent({ inboundAuthMethod: 'BEARER', bearerSecretRef: await secret(value) });
    const ok = await me({ authorization: `Bearer ${value}`, 'x-agent-id': a.id });
    expect(ok.status).toBe(200);
    expect(ok.body.agent.id).toBe(a.id);

    expect((await me({ authorization: `Bearer ${value}x`, 'x-agent-id': a.id })).status).toBe(401);
    expect((await me({ authorization: `Bearer ${value}` })).status).toBe(401); // no agent named
    const other = await agent({ inboundAuthMethod: 'BEARER', inboundSecretRef: await secret('another-secret-value-123') });
    expect((await me({ authorization: `Bearer ${value}`, 'x-agent-id': other.id })).status).toBe(401);

    await t.db.update(agents).set({ enabled: false }).where(eq(agents.id, a.id));
    expect((await me({ authorization: `Bearer ${value}`, 'x-agent-id': a.id })).status).toBe(401);
  });

  it('is refused for agents that accept platform JWTs only (NONE)', async () => {
    const value = 'a-static-secret-for-none-agent';
    const a = await agent({ inboundAuthMethod: 'NONE', bearerSecretRef: await secret(value) });
    expect((await me({ authorization: `Bearer ${value}`, 'x-agent-id': a.id })).status).toBe(401);
  });

  it('stops answering a guesser after repeated failures', async () => {
    const value = 'the-real-static-secret-value-0001';
    const a = await agent({ inboundAuthMethod: 'BEARER', bearerSecretRef: await secret(value) });
    for (let i = 0; i < 20; i++) await me({ authorization: `Bearer guess-${i}`, 'x-agent-id': a.id });
    expect((await me({ authorization: `Bearer ${value}`, 'x-agent-id': a.id })).status).toBe(401);
  });
});

describe('MTLS client certificate', () => {
  it('admits the agent whose stored certificate the proxy forwards, only with the proxy secret', async () => {
    const mine = makeCertificate('agent-one');
    const theirs = makeCertificate('someone-else');
    const a = await agent({ inboundAuthMethod: 'MTLS', mtlsCertRef: await secret(mine.certPem), mtlsKeyRef: await secret(mine.keyPem) });
    const forwarded = encodeURIComponent(mine.certPem); // nginx's $ssl_client_escaped_cert
    const headers = { 'x-agent-id': a.id, 'x-client-cert': forwarded, 'x-axs-proxy-secret': PROXY_SECRET };

    // No PROXY_SECRET configured: a forwarded certificate proves nothing.
    expect((await me(headers)).status).toBe(401);

    process.env.PROXY_SECRET = PROXY_SECRET;
    resetEnvCache();
    const ok = await me(headers);
    expect(ok.status).toBe(200);
    expect(ok.body.agent.id).toBe(a.id);

    expect((await me({ ...headers, 'x-axs-proxy-secret': 'wrong' })).status).toBe(401);
    expect((await me({ ...headers, 'x-client-cert': encodeURIComponent(theirs.certPem) })).status).toBe(401);
    // base64 DER, as some terminators send it, works too.
    const der = parseForwardedCertificate(mine.certPem)!.raw.toString('base64');
    expect((await me({ ...headers, 'x-client-cert': der })).status).toBe(200);
  });
});
