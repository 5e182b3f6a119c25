// The first stage of a call, in one database round trip: the agent (in the caller's organization),
// its environment, and every tool its identifier could mean in that environment, each with its
// connection and the connection's MCP server registration. Ambiguity, absence and "cannot run"
// are decided from these rows without asking the database again.
import { and, eq, or, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import {
  agents,
  connections,
  environments,
  mcpServerRegistrations,
  secretKeys,
  secrets,
  tools,
  type Agent,
  type Connection,
  type McpServerRegistration,
  type Tool,
} from '@/db/schema';
import type { SecretRow } from '@/lib/secrets/service';
import { isUuid } from '@/lib/tenancy/access';
import { orgGeneration, orgSettled } from '@/lib/tenancy/changes';
import { SYSTEM_CONNECTION, systemTool, type SystemTool } from './system-tools';

export interface Candidate {
  tool: Tool;
  connection: Connection;
  registration: McpServerRegistration | null;
  /** The encrypted bearer secret the upstream needs (the connection's, or its registration's), read in the same query. */
  secret: (SecretRow & { ref: string }) | null;
}

export interface Resolved {
  agent: Agent;
  environmentType: string;
  candidates: Candidate[];
  /** A built-in tool the identifier names (`system/<name>`, or a bare name no connection offers). */
  system: SystemTool | null;
}

/** `<connection>/<tool>` or a bare tool name (a tool id is also tried as a name). */
export function splitIdentifier(identifier: string): { connectionName?: string; toolName: string } {
  const slash = identifier.indexOf('/');
  return slash > 0 ? { connectionName: identifier.slice(0, slash), toolName: identifier.slice(slash + 1) } : { toolName: identifier };
}

type Shape = 'qualified' | 'id_or_name' | 'name';

/**
 * The statement, built and prepared once per database handle and identifier shape: the hot path
 * pays neither the query builder nor the planner again (postgres-js and PGlite keep the prepared
 * statement per connection).
 */
const prepared = new WeakMap<Db, Map<Shape, ReturnType<typeof buildResolve>>>();

function preparedResolve(db: Db, shape: Shape) {
  let byShape = prepared.get(db);
  if (!byShape) prepared.set(db, (byShape = new Map()));
  let statement = byShape.get(shape);
  if (!statement) byShape.set(shape, (statement = buildResolve(db, shape)));
  return statement;
}

function buildResolve(db: Db, shape: Shape) {
  const orgId = sql.placeholder('orgId');
  const toolName = sql.placeholder('toolName');
  const toolFilter =
    shape === 'qualified'
      ? and(
          eq(tools.name, toolName),
          // The connection name is matched through a sub-select: the join below may not narrow
          // the left-joined tool rows without dropping the agent's row when nothing matches.
          sql`${tools.connectionId} in (select ${connections.id} from ${connections} where ${connections.organizationId} = ${orgId} and ${connections.name} = ${sql.placeholder('connectionName')})`,
        )
      : shape === 'id_or_name'
        ? or(eq(tools.id, sql.placeholder('identifierId')), eq(tools.name, sql.placeholder('identifier')))
        : eq(tools.name, toolName);
  return db
    .select({
      agent: agents,
      environmentType: environments.type,
      tool: tools,
      connection: connections,
      registration: mcpServerRegistrations,
      secretRef: secrets.id,
      ciphertext: secrets.ciphertext,
      keyId: secretKeys.id,
      wrappedKey: secretKeys.wrappedKey,
      kekId: secretKeys.kekId,
    })
    .from(agents)
    .innerJoin(environments, eq(environments.id, agents.environmentId))
    .leftJoin(tools, and(eq(tools.organizationId, agents.organizationId), eq(tools.environmentId, agents.environmentId), toolFilter))
    .leftJoin(connections, eq(connections.id, tools.connectionId))
    .leftJoin(
      mcpServerRegistrations,
      and(eq(mcpServerRegistrations.id, connections.mcpServerRegistrationId), eq(mcpServerRegistrations.organizationId, agents.organizationId)),
    )
    // The credential the upstream call will send: a URL connection's own, else its registration's.
    .leftJoin(
      secrets,
      and(
        eq(secrets.organizationId, agents.organizationId),
        sql`${secrets.id}::text = case when ${connections.endpoint} is not null then ${connections.secretRef} else ${mcpServerRegistrations.secretRef} end`,
      ),
    )
    .leftJoin(secretKeys, eq(secretKeys.id, secrets.keyId))
    .where(and(eq(agents.id, sql.placeholder('agentId')), eq(agents.organizationId, orgId)))
    .prepare(`axs_resolve_call_${shape}`);
}

/**
 * The agent and the candidate tools, or null when the agent is not in this organization. One
 * statement: the agent left-joined to the matching tools of its environment.
 */
export async function resolveCall(db: Db, orgId: string, agentId: string, identifier: string): Promise<Resolved | null> {
  if (!isUuid(agentId)) return null;
  // A control character names no tool (and Postgres cannot compare text holding NUL): such an
  // identifier matches nothing, rather than being cleaned into the name of a real tool.
  if (/[\u0000-\u001f\u007f]/.test(identifier)) identifier = '\uFFFD';
  const filter = splitIdentifier(identifier);
  const shape: Shape = filter.connectionName ? 'qualified' : isUuid(identifier) ? 'id_or_name' : 'name';
  const rows = await preparedResolve(db, shape).execute({
    orgId,
    agentId,
    toolName: filter.toolName,
    connectionName: filter.connectionName ?? '',
    identifier,
    // Only read by the 'id_or_name' statement, where the identifier is a uuid.
    identifierId: shape === 'id_or_name' ? identifier : '00000000-0000-0000-0000-000000000000',
  });
  if (!rows.length) return null;
  const first = rows[0]!;
  const candidates = rows
    .filter((r): r is typeof r & { tool: Tool; connection: Connection } => Boolean(r.tool && r.connection))
    .map((r) => ({
      tool: r.tool,
      connection: r.connection,
      registration: r.registration,
      secret:
        r.secretRef && r.ciphertext && r.keyId && r.wrappedKey && r.kekId
          ? { ref: r.secretRef, ciphertext: r.ciphertext, keyId: r.keyId, wrappedKey: r.wrappedKey, kekId: r.kekId }
          : null,
    }));
  const system =
    filter.connectionName === SYSTEM_CONNECTION
      ? systemTool(filter.toolName)
      : !filter.connectionName && !candidates.length
        ? systemTool(filter.toolName)
        : null;
  return { agent: first.agent, environmentType: first.environmentType, candidates, system };
}

const REUSE_MS = 1_000;
const MAX_REMEMBERED = 256;

/**
 * One caller's resolved calls (an MCP session's), reused for up to a second while the
 * organization's configuration is unchanged (lib/tenancy/changes.ts: changes here at once, on
 * other instances through the cluster bus): a client calling the same tool again and again pays
 * the resolve round trip once a second, not per call. Only what the rows say is reused — the
 * policy, the input check and the rate limit are still decided on every call.
 */
export class ResolutionMemo {
  private readonly entries = new Map<string, { resolved: Resolved; generation: number; until: number }>();

  async resolve(db: Db, orgId: string, agentId: string, identifier: string): Promise<Resolved | null> {
    const key = `${orgId}\u0000${agentId}\u0000${identifier}`;
    const generation = orgGeneration(orgId);
    const hit = this.entries.get(key);
    if (hit && hit.generation === generation && hit.until > Date.now()) return hit.resolved;
    const resolved = await resolveCall(db, orgId, agentId, identifier);
    if (resolved && orgGeneration(orgId) === generation && orgSettled(orgId)) {
      // Identifiers come from the client: what is remembered stays bounded.
      if (!hit && this.entries.size >= MAX_REMEMBERED) this.entries.clear();
      this.entries.set(key, { resolved, generation, until: Date.now() + REUSE_MS });
    } else {
      this.entries.delete(key);
    }
    return resolved;
  }
}
