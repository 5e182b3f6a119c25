// Builders for integration tests: accounts, organizations and memberships made through the same
// services the API uses, so fixtures obey every rule the product does.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { connections, mcpServerRegistrations, organizationMemberships } from '@/db/schema';
import { createAgentSchema, createServiceAccountSchema, issueTokenSchema } from '@/lib/agents/schemas';
import { createAgent, type PublicAgent } from '@/lib/agents/service';
import { createServiceAccount, type PublicServiceAccount } from '@/lib/agents/service-accounts';
import { issueAgentToken, type IssuedAgentToken } from '@/lib/agents/tokens';
import { storeSecret } from '@/lib/secrets/service';
import { registerUser } from '@/lib/accounts/service';
import type { UserCtx } from '@/lib/auth/context';
import type { OrgRole } from '@/lib/auth/rbac';
import { createEnvironment } from '@/lib/tenancy/environments';
import { createOrganization } from '@/lib/tenancy/organizations';
import type { OrgCtx } from '@/lib/tenancy/access';

export interface TestUser {
  id: string;
  email: string;
  token: string;
  ctx: UserCtx;
}

let n = 0;

export async function makeUser(label = 'user'): Promise<TestUser> {
  const db = await getDb();
  const email = `${label}-${++n}-${randomUUID().slice(0, 8)}@example.com`;
  const anon = { db, actor: { kind: 'anonymous' as const }, requestId: randomUUID(), clientKey: `test-${randomUUID()}` };
  const { user, token } = await registerUser(anon, { email, password: 'a long enough password', first_name: label, last_name: 'Test' });
  const ctx: UserCtx = {
    db,
    requestId: randomUUID(),
    clientKey: 'test',
    actor: { kind: 'user', userId: user.id, email, isInstanceAdmin: user.is_instance_admin, via: 'api_token' },
  };
  return { id: user.id, email, token, ctx };
}

export interface TestOrg {
  id: string;
  name: string;
  envId: string;
  owner: TestUser;
  ownerCtx: OrgCtx;
}

export async function makeOrg(owner?: TestUser, label = 'org'): Promise<TestOrg> {
  const o = owner ?? (await makeUser('owner'));
  const org = await createOrganization(o.ctx, { name: `${label}-${randomUUID().slice(0, 8)}` });
  const ownerCtx: OrgCtx = { ...o.ctx, orgId: org.id, role: 'owner' };
  const env = await createEnvironment(ownerCtx, { name: 'dev', type: 'development' });
  return { id: org.id, name: org.name, envId: env.id, owner: o, ownerCtx };
}

/** Adds a user with a role directly (fixtures for role tests; the API path is tested on its own). */
export async function addMembership(orgId: string, user: TestUser, role: OrgRole): Promise<string> {
  const db = await getDb();
  const [m] = await db.insert(organizationMemberships).values({ organizationId: orgId, userId: user.id, role }).returning();
  return m!.id;
}

export async function membershipId(orgId: string, userId: string): Promise<string> {
  const db = await getDb();
  const rows = await db.select().from(organizationMemberships).where(eq(organizationMemberships.userId, userId));
  return rows.find((r) => r.organizationId === orgId)!.id;
}

// ---- agents, service accounts, connections, secrets ----------------------------------------

/** A connection row, inserted directly (the connections API comes with a later issue). */
export async function makeConnection(o: TestOrg, name = `conn-${randomUUID().slice(0, 8)}`, envId = o.envId): Promise<string> {
  const db = await getDb();
  const [row] = await db
    .insert(connections)
    .values({ organizationId: o.id, environmentId: envId, name, endpoint: 'http://127.0.0.1:9/mcp' })
    .returning();
  return row!.id;
}

/** A stored secret of the organization (through the secret store); answers its ref. */
export async function makeSecretRef(o: TestOrg, name = 'test secret'): Promise<string> {
  const stored = await storeSecret(o.ownerCtx, { name, value: `value-${randomUUID()}` });
  return stored.secret_ref;
}

/** An agent made through the service (CALLER unless told otherwise, so no connection is needed). */
export async function makeAgent(o: TestOrg, input: Record<string, unknown> = {}): Promise<PublicAgent> {
  const body = createAgentSchema.parse({ name: `agent-${randomUUID().slice(0, 8)}`, environment_id: o.envId, mode: 'CALLER', ...input });
  return createAgent(o.ownerCtx, body);
}

/** A token for an agent, issued through the service. */
export async function makeAgentToken(o: TestOrg, agentId: string, input: Record<string, unknown> = {}): Promise<IssuedAgentToken> {
  return issueAgentToken(o.ownerCtx, agentId, issueTokenSchema.parse(input));
}

export async function makeServiceAccount(o: TestOrg, input: Record<string, unknown> = {}): Promise<PublicServiceAccount> {
  const suffix = randomUUID().slice(0, 8);
  const body = createServiceAccountSchema.parse({ name: `sa-${suffix}`, subject: `workload-${suffix}`, issuer: 'https://issuer.example', ...input });
  return createServiceAccount(o.ownerCtx, body);
}

/** An http MCP server registration, inserted directly (its API is tested in lib/mcp-servers). */
export async function makeMcpServer(o: TestOrg, slug = `srv-${randomUUID().slice(0, 8)}`): Promise<string> {
  const db = await getDb();
  const [row] = await db
    .insert(mcpServerRegistrations)
    .values({ organizationId: o.id, environmentId: o.envId, name: slug, slug, serverType: 'http', endpoint: 'http://127.0.0.1:9/mcp' })
    .returning();
  return row!.id;
}
