// Resources, resource templates, prompts and completion of the gateway, proxied live from the
// agent's connections: the enabled connections of the agent's environment that have an endpoint
// or an enabled MCP server registration. Nothing is stored; every request asks the upstreams
// again, so a policy or connection change shows at once.
//
// Authorization (lib/policy, default deny — nothing shows unless a policy allows it):
//   resources   resource.read on `resource:<connection>/<uri>`; lists in 'listing' mode, reads
//               and subscriptions in 'call' mode (input: {uri}).
//   templates   listed when resource.read on `resource:<connection>/<uriTemplate>` (the template
//               text itself, e.g. `resource:docs/file:///{path}`) passes in listing mode — so
//               `resource:docs/*` shows a connection's templates and its concrete resources
//               alike; a read of a concrete URI is always decided on the concrete URI, whether
//               the template it came from is listed or not.
//   prompts     prompt.get on `prompt:<connection>/<prompt>`; lists in listing mode, gets in call
//               mode (input: the prompt's arguments).
//   completion  decided in listing mode ("may the agent see this prompt / template?"), like
//               prompt.get of the prompt or resource.read of the template: it offers values for
//               an argument, nothing more; the get or read that follows is decided in full.
//
// Errors. Something the agent cannot see (unknown, or hidden by policy) answers exactly as if it
// did not exist: resources -32002 "Resource not found" (the MCP spec's code), prompts and
// completion refs -32602 (the spec's code for an invalid prompt name). The denial is still
// audited, but the answer does not tell which upstream has it. Something the agent can see (it
// is listed) but may not use now — a call-mode condition fails, e.g. on the prompt's arguments —
// answers -32602 Invalid params with the policy's public reason: the spec has no "forbidden"
// code, the request's params are what is refused, and -32603 would wrongly claim a server fault.
//
// Names. Resources keep their upstream URIs; when two connections offer the same URI (or
// template) in the agent's view, the first by connection name wins and the collision is logged.
// Prompts keep the upstream name when it is unique in the agent's view, else
// `<connection>__<name>` (the rule of tools/list, ./view.ts). Hidden items neither show nor
// collide. A read goes to the first connection (by name) whose list has the URI in the agent's
// view, else to the first whose resource template matches it.
//
// Subscriptions are per downstream session: the upstream session of the connection is held open
// while the downstream session has a subscription on it; resources/updated for exactly a
// subscribed URI is forwarded (after deciding the read again); unsubscribe and the end of the
// downstream session release it.
//
// A connection that cannot answer a list is skipped (logged with its id) — never fatal for the
// whole list; a read routed to it fails with a clear error. Upstream answers are passed through
// verbatim: lists, contents (text, blob, _meta), prompt messages (text, image, audio, resource),
// argument schemas and completion values — except that a credential the gateway sent to that
// upstream is redacted wherever it appears, as in tool results (lib/executor/output.ts).
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import {
  CompleteRequestSchema,
  EmptyResultSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type ClientRequest,
  type ServerNotification,
  type ServerRequest,
  type ServerResult,
} from '@modelcontextprotocol/sdk/types.js';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { agents, connections, environments, mcpServerRegistrations, type Connection, type McpServerRegistration } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record';
import { redact } from '@/lib/executor/output';
import type { AgentActor, Ctx } from '@/lib/auth/context';
import { upstreamSpecOf } from '@/lib/connections/upstream';
import { upstreamFailure, type UpstreamSession, type UpstreamSpec } from '@/lib/mcp/client/connect';
import { logger } from '@/lib/observability/logger';
import { decide, type CompiledPolicies } from '@/lib/policy/engine';
import { compiledPoliciesFor } from '@/lib/policy/store';
import type { Decision, DecisionMode, DecisionRequest } from '@/lib/policy/types';

/**
 * How the handlers reach upstream sessions: the gateway passes its per-downstream-session pool
 * (lib/mcp/client/session-pool.ts), so a subscription's session is the one its updates come from.
 */
export interface UpstreamAccess {
  /** Runs fn on an initialized session to this upstream (pooled, shared with the session's other calls). */
  use<T>(spec: UpstreamSpec, fn: (session: UpstreamSession) => Promise<T>, options?: { signal?: AbortSignal; partition?: string }): Promise<T>;
  /** Keeps a session to this upstream open until release(); onNotification gets every notification that session receives. */
  hold(
    spec: UpstreamSpec,
    onNotification: (n: { method: string; params?: unknown }) => void,
    options?: { partition?: string; onEnded?: () => void },
  ): Promise<{ session: UpstreamSession; release: () => void }>;
}

/** What the handlers need: the database and the agent's verified identity (as the gateway server has it). */
export type CatalogCtx = Pick<Ctx, 'db' | 'requestId' | 'clientKey'> & { actor: AgentActor };

/** Pages followed per connection and list, at most. */
export const MAX_PAGES = 50;
/** Connections asked at once. */
const FAN_OUT = 8;
/** A list (all its pages) of one connection, at most. */
const LIST_TIMEOUT_MS = 30_000;
/** The RESOURCE_NOT_FOUND code of the MCP spec (resources/read, resources/subscribe). */
export const RESOURCE_NOT_FOUND = -32002;
const MAX_AUDIT_TARGET = 2048;

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
type Item = Record<string, unknown>;

/** A connection the agent's requests may be sent to. */
interface Upstream {
  id: string;
  name: string;
  connection: Connection;
  registration: McpServerRegistration | null;
}

/** Everything one request is decided with, read once per request. */
interface Scope {
  upstreams: Upstream[];
  compiled: CompiledPolicies;
  base: Omit<DecisionRequest, 'action' | 'target' | 'context'>;
}

// ---------------------------------------------------------------------------------------------
// The agent's scope

async function loadScope(ctx: CatalogCtx): Promise<Scope | null> {
  const { db, actor } = ctx;
  const [row] = await db
    .select({ agent: agents, environmentType: environments.type })
    .from(agents)
    .innerJoin(environments, eq(environments.id, agents.environmentId))
    .where(and(eq(agents.id, actor.agentId), eq(agents.organizationId, actor.orgId)));
  // A disabled agent sees nothing (as in tools/list); a deleted one has its sessions closed.
  if (!row || !row.agent.enabled) return null;
  const agent = row.agent;
  const [rows, compiled] = await Promise.all([
    db
      .select({ connection: connections, registration: mcpServerRegistrations })
      .from(connections)
      .leftJoin(
        mcpServerRegistrations,
        and(eq(mcpServerRegistrations.id, connections.mcpServerRegistrationId), eq(mcpServerRegistrations.organizationId, connections.organizationId)),
      )
      .where(and(eq(connections.organizationId, actor.orgId), eq(connections.environmentId, agent.environmentId), eq(connections.enabled, true))),
    compiledPoliciesFor(db, actor.orgId),
  ]);
  const upstreams = rows
    .filter((r) => r.connection.endpoint || r.registration?.enabled)
    .map((r) => ({ id: r.connection.id, name: r.connection.name, connection: r.connection, registration: r.registration }))
    // Code-point order, whatever the database's collation: "first by connection name" is stable.
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1));
  return {
    upstreams,
    compiled,
    base: {
      organizationId: actor.orgId,
      environmentId: agent.environmentId,
      environmentType: row.environmentType,
      subject: { agentId: agent.id, serviceAccountId: agent.serviceAccountId, roles: [] },
      targetId: null,
    },
  };
}

const resourceTarget = (u: Upstream, uri: string) => `resource:${u.name}/${uri}`;
const promptTarget = (u: Upstream, name: string) => `prompt:${u.name}/${name}`;

function decideOn(scope: Scope, action: 'resource.read' | 'prompt.get', target: string, mode: DecisionMode, input?: unknown): Decision {
  return decide(scope.compiled, { ...scope.base, action, target, context: { now: new Date(), ...(input !== undefined ? { input } : {}) } }, { mode });
}

function specOf(ctx: CatalogCtx, u: Upstream): Promise<UpstreamSpec> {
  return upstreamSpecOf({ db: ctx.db, orgId: ctx.actor.orgId }, u.connection, { registration: u.registration });
}

// ---------------------------------------------------------------------------------------------
// Upstream lists

type Kind = 'resources' | 'templates' | 'prompts';

const LISTS = {
  resources: { method: 'resources/list', key: 'resources', id: 'uri' },
  templates: { method: 'resources/templates/list', key: 'resourceTemplates', id: 'uriTemplate' },
  prompts: { method: 'prompts/list', key: 'prompts', id: 'name' },
} as const;

/** One page, loosely: items are kept exactly as the upstream wrote them. */
const pageSchema = z.looseObject({ nextCursor: z.unknown().optional() });

type Listing = Partial<Record<Kind, Item[]>>;

async function paginate(session: UpstreamSession, kind: Kind, signal: AbortSignal, u: Upstream): Promise<Item[]> {
  const { method, key, id } = LISTS[kind];
  const items: Item[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await session.client.request({ method, params: cursor === undefined ? {} : { cursor } } as ClientRequest, pageSchema, { signal });
    const list = result[key];
    if (!Array.isArray(list)) throw new McpError(ErrorCode.InternalError, `The upstream's ${method} answer has no ${key} list`);
    for (const item of list) {
      // An entry without its identifying string cannot be addressed: left out, the rest kept.
      if (item && typeof item === 'object' && typeof (item as Item)[id] === 'string') items.push(item as Item);
    }
    // No cursor (or one already followed: a server going round in circles) ends the list.
    cursor = typeof result.nextCursor === 'string' ? result.nextCursor : undefined;
    if (cursor === undefined || seen.has(cursor)) return items;
    seen.add(cursor);
  }
  logger().warn({ connection_id: u.id, method, pages: MAX_PAGES }, 'upstream list has more pages than the gateway follows; the rest is left out');
  return items;
}

/** The connection's lists of the given kinds, or null when it cannot answer (logged, skipped). */
async function listOne(ctx: CatalogCtx, access: UpstreamAccess, u: Upstream, kinds: readonly Kind[], signal: AbortSignal): Promise<Listing | null> {
  let secrets: readonly string[] = [];
  try {
    const spec = await specOf(ctx, u);
    const listSignal = AbortSignal.any([signal, AbortSignal.timeout(LIST_TIMEOUT_MS)]);
    return await access.use(
      spec,
      async (session) => {
        secrets = session.sensitiveValues;
        const caps = session.client.getServerCapabilities() ?? {};
        const listing: Listing = {};
        for (const kind of kinds) {
          // A server that does not offer the feature is not asked (it would answer -32601).
          const offered = kind === 'prompts' ? caps.prompts : caps.resources;
          listing[kind] = offered ? redact(await paginate(session, kind, listSignal, u), session.sensitiveValues) : [];
        }
        return listing;
      },
      // One session per connection: two connections to the same server never share one.
      { signal: listSignal, partition: u.id },
    );
  } catch (error) {
    if (signal.aborted) throw error;
    const failure = upstreamFailure(error);
    logger().warn(
      { connection_id: u.id, org_id: ctx.actor.orgId, agent_id: ctx.actor.agentId, code: failure.code, reason: redact(failure.message, secrets) },
      'upstream connection skipped: it did not answer a list',
    );
    return null;
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Every connection's lists, in connection-name order; connections that failed are left out. */
/**
 * A connection's lists are reused for a second within one client session (per `access`, which is
 * the session's): a read, a get or a completion right after a list — or many at once — does not
 * ask every upstream again. Only what upstreams offer is reused; every decision is made afresh,
 * and a changed connection (its row's updated_at) is asked again at once.
 */
const LIST_REUSE_MS = 1_000;
const recentLists = new WeakMap<UpstreamAccess, Map<string, { until: number; listing: Promise<Listing | null> }>>();

function listOneRecent(ctx: CatalogCtx, access: UpstreamAccess, u: Upstream, kinds: readonly Kind[], signal: AbortSignal): Promise<Listing | null> {
  let recent = recentLists.get(access);
  if (!recent) recentLists.set(access, (recent = new Map()));
  const key = `${u.id}:${u.connection.updatedAt.getTime()}:${u.registration?.updatedAt.getTime() ?? ''}:${kinds.join(',')}`;
  const now = Date.now();
  const hit = recent.get(key);
  if (hit && hit.until > now) return hit.listing;
  for (const [k, v] of recent) if (v.until <= now) recent.delete(k);
  const listing = listOne(ctx, access, u, kinds, signal);
  recent.set(key, { until: now + LIST_REUSE_MS, listing });
  // A failed listing is not reused: the next request asks again.
  void listing.then((l) => {
    if (l === null) recent.delete(key);
  });
  return listing;
}

async function listAll(ctx: CatalogCtx, access: UpstreamAccess, scope: Scope, kinds: readonly Kind[], signal: AbortSignal) {
  const listings = await mapLimit(scope.upstreams, FAN_OUT, (u) => listOneRecent(ctx, access, u, kinds, signal));
  return scope.upstreams.flatMap((upstream, i) => (listings[i] ? [{ upstream, listing: listings[i] }] : []));
}

// ---------------------------------------------------------------------------------------------
// The agent's view

interface Located {
  upstream: Upstream;
  item: Item;
}

/** Items the agent may see, deduplicated by their identifier (first by connection name wins). */
function visibleByKey(scope: Scope, lists: { upstream: Upstream; listing: Listing }[], kind: 'resources' | 'templates'): Located[] {
  const id = LISTS[kind].id;
  const chosen = new Map<string, Located>();
  for (const { upstream, listing } of lists) {
    for (const item of listing[kind] ?? []) {
      const key = item[id] as string;
      if (decideOn(scope, 'resource.read', resourceTarget(upstream, key), 'listing').decision !== 'allow') continue;
      const first = chosen.get(key);
      if (!first) chosen.set(key, { upstream, item });
      else if (first.upstream !== upstream) {
        logger().info({ [id === 'uri' ? 'uri' : 'uri_template']: key, connection_id: upstream.id, used_connection_id: first.upstream.id }, 'two connections offer the same resource; the first by name is used');
      }
    }
  }
  return [...chosen.values()];
}

interface PromptEntry {
  name: string;
  upstream: Upstream;
  upstreamName: string;
  item: Item;
}

interface PromptView {
  byName: Map<string, PromptEntry>;
  /** Prompts the policy hides, for auditing a get of one of them. */
  hidden: { upstream: Upstream; upstreamName: string; decision: Decision }[];
}

function promptView(scope: Scope, lists: { upstream: Upstream; listing: Listing }[]): PromptView {
  const visible: Omit<PromptEntry, 'name'>[] = [];
  const hidden: PromptView['hidden'] = [];
  for (const { upstream, listing } of lists) {
    const names = new Set<string>();
    for (const item of listing.prompts ?? []) {
      const upstreamName = item.name as string;
      if (names.has(upstreamName)) continue;
      names.add(upstreamName);
      const decision = decideOn(scope, 'prompt.get', promptTarget(upstream, upstreamName), 'listing');
      if (decision.decision === 'allow') visible.push({ upstream, upstreamName, item });
      else hidden.push({ upstream, upstreamName, decision });
    }
  }
  const uses = new Map<string, number>();
  for (const p of visible) uses.set(p.upstreamName, (uses.get(p.upstreamName) ?? 0) + 1);
  const byName = new Map<string, PromptEntry>();
  for (const p of visible) {
    const name = uses.get(p.upstreamName) === 1 ? p.upstreamName : `${p.upstream.name}__${p.upstreamName}`;
    // A prompt literally named "a__b" can still collide with a qualified name: the later one is dropped.
    if (!byName.has(name)) byName.set(name, { ...p, name });
  }
  return { byName, hidden };
}

/** The hidden prompt a requested name would have meant, if any (for the audit trail only). */
function hiddenPrompt(view: PromptView, name: string) {
  return view.hidden.find((h) => h.upstreamName === name || `${h.upstream.name}__${h.upstreamName}` === name) ?? null;
}

// ---------------------------------------------------------------------------------------------
// Routing a URI

interface Route {
  upstream: Upstream;
  /** The listing-mode decision on the concrete URI: deny means the agent cannot see it. */
  listing: Decision;
}

/**
 * Where a URI would be read, in order: connections whose list has it, then connections with a
 * template matching it — each by connection name. The first one the agent can see is chosen;
 * when it can see none, the first candidate (for the audit trail) or null (unknown).
 */
async function routeUri(ctx: CatalogCtx, access: UpstreamAccess, scope: Scope, uri: string, signal: AbortSignal): Promise<Route | null> {
  const lists = await listAll(ctx, access, scope, ['resources', 'templates'], signal);
  const candidates: Upstream[] = [];
  for (const { upstream, listing } of lists) if (listing.resources?.some((r) => r.uri === uri)) candidates.push(upstream);
  for (const { upstream, listing } of lists) {
    if (candidates.includes(upstream)) continue;
    if (listing.templates?.some((t) => templateMatches(t.uriTemplate as string, uri))) candidates.push(upstream);
  }
  let first: Route | null = null;
  for (const upstream of candidates) {
    const listing = decideOn(scope, 'resource.read', resourceTarget(upstream, uri), 'listing');
    if (listing.decision === 'allow') return { upstream, listing };
    first ??= { upstream, listing };
  }
  return first;
}

function templateMatches(template: string, uri: string): boolean {
  try {
    return new UriTemplate(template).match(uri) !== null;
  } catch {
    return false; // a template the SDK cannot parse (or too long) matches nothing
  }
}

// ---------------------------------------------------------------------------------------------
// Refusals, audit and upstream errors

const resourceNotFound = (uri: string) => new McpError(RESOURCE_NOT_FOUND, `Resource not found: ${uri}`, { uri });
const unknownPrompt = (name: string) => new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${name}`);
const refused = (decision: Decision) => new McpError(ErrorCode.InvalidParams, decision.reason, { reason: decision.reason });

async function auditDenied(
  ctx: CatalogCtx,
  event: { action: string; eventType: string; target: string; upstream: Upstream; decision: Decision; data?: Record<string, unknown> },
): Promise<void> {
  try {
    await recordAudit(ctx.db, ctx, {
      organizationId: ctx.actor.orgId,
      action: event.action,
      eventType: event.eventType,
      target: event.target.slice(0, MAX_AUDIT_TARGET),
      decision: 'deny',
      ruleId: event.decision.matched.rule_id,
      data: {
        agent_id: ctx.actor.agentId,
        connection_id: event.upstream.id,
        via: 'mcp',
        reason: event.decision.reason,
        explanation: event.decision.explanation,
        matched: event.decision.matched,
        priority: event.decision.priority,
        ...event.data,
      },
    });
  } catch (error) {
    // The refusal stands either way; a lost event is an operator's problem, logged loudly.
    logger().error({ err: error, org_id: ctx.actor.orgId, agent_id: ctx.actor.agentId, event_type: event.eventType }, 'could not record an audit event');
  }
}

/** An upstream's failure as the agent's error: its own JSON-RPC answer passed on, transport failures said plainly. */
function upstreamCallError(error: unknown, secrets: readonly string[], what: string): McpError {
  if (error instanceof McpError && error.code !== ErrorCode.ConnectionClosed && error.code !== ErrorCode.RequestTimeout) {
    // The server spoke (e.g. -32002 for an id its template does not know, -32602 for missing arguments).
    const text = error.message.replace(/^MCP error -?\d+: /, '');
    return new McpError(error.code, redact(text, secrets).slice(0, 1000));
  }
  const failure = upstreamFailure(error);
  return new McpError(ErrorCode.InternalError, `${what}: ${redact(failure.message, secrets)}`);
}

/** Runs one request on the upstream, with its errors mapped for the agent. */
async function callUpstream<T>(
  ctx: CatalogCtx,
  access: UpstreamAccess,
  upstream: Upstream,
  what: string,
  signal: AbortSignal,
  fn: (session: UpstreamSession) => Promise<T>,
): Promise<T> {
  let secrets: readonly string[] = [];
  try {
    const spec = await specOf(ctx, upstream);
    return await access.use(
      spec,
      async (session) => {
        secrets = session.sensitiveValues;
        return redact(await fn(session), session.sensitiveValues);
      },
      { signal, partition: upstream.id },
    );
  } catch (error) {
    throw upstreamCallError(error, secrets, what);
  }
}

// ---------------------------------------------------------------------------------------------
// Subscriptions

interface Held {
  upstream: Upstream;
  session: UpstreamSession;
  release: () => void;
  /** URIs this downstream session subscribed to through this connection. */
  uris: Set<string>;
}

class Subscriptions {
  private readonly byConnection = new Map<string, Promise<Held>>();
  /** Subscribed URI → the connection it was subscribed on. */
  private readonly uris = new Map<string, string>();
  private closed = false;

  constructor(
    private readonly ctx: CatalogCtx,
    private readonly access: UpstreamAccess,
    private readonly onUpdated: (upstream: Upstream, params: { uri: string } & Item) => void,
  ) {}

  async subscribe(upstream: Upstream, uri: string, signal: AbortSignal): Promise<void> {
    if (this.closed) throw new McpError(ErrorCode.ConnectionClosed, 'The session is closed');
    if (this.uris.has(uri)) return;
    const held = await this.holdFor(upstream);
    if (held.uris.has(uri)) return;
    try {
      await held.session.client.request({ method: 'resources/subscribe', params: { uri } }, EmptyResultSchema, { signal });
    } catch (error) {
      if (held.uris.size === 0) this.drop(upstream.id, held);
      throw upstreamCallError(error, held.session.sensitiveValues, 'The upstream server of this resource did not accept the subscription');
    }
    if (this.closed) return;
    held.uris.add(uri);
    this.uris.set(uri, upstream.id);
  }

  has(uri: string): boolean {
    return this.uris.has(uri);
  }

  async unsubscribe(uri: string, signal: AbortSignal): Promise<void> {
    const connectionId = this.uris.get(uri);
    if (!connectionId) return;
    this.uris.delete(uri);
    const pending = this.byConnection.get(connectionId);
    if (!pending) return;
    const held = await pending;
    held.uris.delete(uri);
    try {
      await held.session.client.request({ method: 'resources/unsubscribe', params: { uri } }, EmptyResultSchema, { signal });
    } catch (error) {
      // Released below or kept: either way the gateway forwards no more updates for this URI.
      logger().debug({ err: error, connection_id: connectionId }, 'upstream unsubscribe failed');
    } finally {
      if (held.uris.size === 0) this.drop(connectionId, held);
    }
  }

  /** The downstream session ended: every held upstream session is released. */
  close(): void {
    this.closed = true;
    const all = [...this.byConnection.entries()];
    this.byConnection.clear();
    this.uris.clear();
    for (const [, pending] of all) {
      void pending.then(
        (held) => {
          const uris = [...held.uris];
          held.uris.clear();
          // Tell the upstream (briefly), then let the session go.
          void Promise.allSettled(
            uris.map((uri) => held.session.client.request({ method: 'resources/unsubscribe', params: { uri } }, EmptyResultSchema, { timeout: 2_000 })),
          ).finally(() => held.release());
        },
        () => {},
      );
    }
  }

  private holdFor(upstream: Upstream): Promise<Held> {
    let pending = this.byConnection.get(upstream.id);
    if (!pending) {
      pending = this.open(upstream);
      this.byConnection.set(upstream.id, pending);
      pending.catch(() => {
        if (this.byConnection.get(upstream.id) === pending) this.byConnection.delete(upstream.id);
      });
    }
    return pending;
  }

  private async open(upstream: Upstream): Promise<Held> {
    const uris = new Set<string>();
    let secrets: readonly string[] = [];
    let opened: Awaited<ReturnType<UpstreamAccess['hold']>>;
    try {
      const spec = await specOf(this.ctx, upstream);
      opened = await this.access.hold(
        spec,
        (n) => {
          if (n.method !== 'notifications/resources/updated') return;
          const params = n.params as Item | undefined;
          const uri = params?.uri;
          // Only exactly what this downstream session subscribed to through this connection.
          if (typeof uri === 'string' && uris.has(uri)) this.onUpdated(upstream, redact(params as { uri: string } & Item, secrets));
        },
        { partition: upstream.id, onEnded: () => this.ended(upstream, uris) },
      );
      secrets = opened.session.sensitiveValues;
    } catch (error) {
      throw upstreamCallError(error, [], 'Could not reach the upstream server of this resource');
    }
    const { session, release } = opened;
    const held: Held = { upstream, session, release, uris };
    if (this.closed) {
      release();
      throw new McpError(ErrorCode.ConnectionClosed, 'The session is closed');
    }
    return held;
  }

  /**
   * The held upstream session ended under its subscriptions (the upstream restarted, or forgot
   * the session): it is forgotten, and its URIs are subscribed again on a new one — each update
   * forwarded from it is still decided afresh.
   */
  private ended(upstream: Upstream, uris: Set<string>): void {
    if (this.closed) return;
    const lost = [...uris];
    uris.clear();
    this.byConnection.delete(upstream.id);
    for (const uri of lost) if (this.uris.get(uri) === upstream.id) this.uris.delete(uri);
    logger().info({ connection_id: upstream.id, subscriptions: lost.length }, 'a held upstream session ended; subscribing again');
    for (const uri of lost) {
      this.subscribe(upstream, uri, AbortSignal.timeout(15_000)).catch((error: unknown) =>
        logger().warn({ err: error, connection_id: upstream.id }, 'could not subscribe again after the upstream session ended'),
      );
    }
  }

  private drop(connectionId: string, held: Held): void {
    void this.byConnection.get(connectionId)?.then((current) => {
      if (current !== held || held.uris.size > 0) return;
      this.byConnection.delete(connectionId);
      held.release();
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Handlers

const readResultSchema = z.looseObject({ contents: z.array(z.looseObject({ uri: z.string() })) });
const promptResultSchema = z.looseObject({ messages: z.array(z.looseObject({ role: z.string(), content: z.unknown() })) });
const completeResultSchema = z.looseObject({ completion: z.looseObject({ values: z.array(z.string()) }) });

function noCursor(params: { cursor?: string } | undefined): void {
  // The gateway answers every list in one page and never hands out a cursor.
  if (params?.cursor !== undefined) throw new McpError(ErrorCode.InvalidParams, 'Invalid cursor: this server answers every list in one page');
}

/**
 * Installs resources/*, prompts/* and completion/complete on a gateway session's server (which
 * must advertise resources {subscribe}, prompts and completions). Call close() when the session ends.
 */
/**
 * Policies match URIs as text (`resource:docs/file:///public/*`), and an upstream may decode or
 * normalize what it is given: `file:///public/../secret` or `file:///public/..%2Fsecret` would
 * pass such a rule and then read outside it. URIs that could move up a path — a `.` or `..`
 * segment, or an encoded dot, slash or backslash — are refused before any policy is asked.
 */
export function escapesItsPath(uri: string): boolean {
  if (/%(2e|2f|5c)/i.test(uri) || uri.includes('\\')) return true;
  const path = uri.replace(/^[a-z][a-z0-9+.-]*:(\/\/[^/?#]*)?/i, '').split(/[?#]/)[0]!;
  return path.split('/').some((segment) => segment === '.' || segment === '..');
}

export function registerCatalogHandlers(server: Server, ctx: CatalogCtx, access: UpstreamAccess): { close: () => void } {
  const subscriptions = new Subscriptions(ctx, access, (upstream, params) => {
    // Decided again per update: a policy that changed since the subscription stops the updates.
    void loadScope(ctx)
      .then(async (scope) => {
        if (!scope) return;
        // The connection must still be one of the agent's (enabled, in its environment) under the
        // same name the policy is decided on.
        const current = scope.upstreams.find((u) => u.id === upstream.id);
        if (!current || current.name !== upstream.name) return;
        const decision = decideOn(scope, 'resource.read', resourceTarget(upstream, params.uri), 'call', { uri: params.uri });
        if (decision.decision !== 'allow') return;
        // Unsubscribed while this update was being decided: it is not forwarded.
        if (!subscriptions.has(params.uri)) return;
        await server.sendResourceUpdated(params as { uri: string });
      })
      .catch((error: unknown) => logger().debug({ err: error }, 'could not forward a resource update'));
  });

  /** The route of a URI the agent may read now, or the refusal (audited) it gets. */
  const authorizeUri = async (uri: string, extra: Extra, eventType: string): Promise<{ scope: Scope; route: Route }> => {
    if (escapesItsPath(uri)) {
      throw new McpError(ErrorCode.InvalidParams, 'Resource URIs with dot segments or encoded separators are not accepted');
    }
    const scope = await loadScope(ctx);
    if (!scope) throw resourceNotFound(uri);
    const route = await routeUri(ctx, access, scope, uri, extra.signal);
    if (!route) throw resourceNotFound(uri);
    const target = resourceTarget(route.upstream, uri);
    const audit = (decision: Decision) => auditDenied(ctx, { action: 'resource.read', eventType, target, upstream: route.upstream, decision, data: { uri } });
    if (route.listing.decision !== 'allow') {
      await audit(route.listing);
      throw resourceNotFound(uri);
    }
    const decision = decideOn(scope, 'resource.read', target, 'call', { uri });
    if (decision.decision !== 'allow') {
      await audit(decision);
      throw refused(decision);
    }
    return { scope, route };
  };

  server.setRequestHandler(ListResourcesRequestSchema, async (request, extra) => {
    noCursor(request.params);
    const scope = await loadScope(ctx);
    if (!scope) return { resources: [] };
    const lists = await listAll(ctx, access, scope, ['resources'], extra.signal);
    return { resources: visibleByKey(scope, lists, 'resources').map((l) => l.item) } as ServerResult;
  });

  server.setRequestHandler(ListResourceTemplatesRequestSchema, async (request, extra) => {
    noCursor(request.params);
    const scope = await loadScope(ctx);
    if (!scope) return { resourceTemplates: [] };
    const lists = await listAll(ctx, access, scope, ['templates'], extra.signal);
    return { resourceTemplates: visibleByKey(scope, lists, 'templates').map((l) => l.item) } as ServerResult;
  });

  server.setRequestHandler(ReadResourceRequestSchema, async (request, extra) => {
    const { uri } = request.params;
    const { route } = await authorizeUri(uri, extra, 'resource_read_denied');
    return (await callUpstream(ctx, access, route.upstream, 'The upstream server of this resource failed', extra.signal, (session) =>
      session.client.request({ method: 'resources/read', params: { uri } }, readResultSchema, { signal: extra.signal }),
    )) as ServerResult;
  });

  server.setRequestHandler(SubscribeRequestSchema, async (request, extra) => {
    const { uri } = request.params;
    const { route } = await authorizeUri(uri, extra, 'resource_subscribe_denied');
    await subscriptions.subscribe(route.upstream, uri, extra.signal);
    return {};
  });

  server.setRequestHandler(UnsubscribeRequestSchema, async (request, extra) => {
    await subscriptions.unsubscribe(request.params.uri, extra.signal);
    return {};
  });

  server.setRequestHandler(ListPromptsRequestSchema, async (request, extra) => {
    noCursor(request.params);
    const scope = await loadScope(ctx);
    if (!scope) return { prompts: [] };
    const view = promptView(scope, await listAll(ctx, access, scope, ['prompts'], extra.signal));
    // Exposed under its gateway name; everything else (arguments, title, icons, _meta) verbatim.
    return { prompts: [...view.byName.values()].map((p) => ({ ...p.item, name: p.name })) } as ServerResult;
  });

  /** The prompt an exposed name means, if the agent can see it (a hidden one is audited and unknown). */
  const visiblePrompt = async (name: string, extra: Extra, eventType: string): Promise<{ scope: Scope; entry: PromptEntry }> => {
    const scope = await loadScope(ctx);
    if (!scope) throw unknownPrompt(name);
    const view = promptView(scope, await listAll(ctx, access, scope, ['prompts'], extra.signal));
    const entry = view.byName.get(name);
    if (entry) return { scope, entry };
    const hidden = hiddenPrompt(view, name);
    if (hidden) {
      await auditDenied(ctx, {
        action: 'prompt.get',
        eventType,
        target: promptTarget(hidden.upstream, hidden.upstreamName),
        upstream: hidden.upstream,
        decision: hidden.decision,
        data: { prompt: hidden.upstreamName },
      });
    }
    throw unknownPrompt(name);
  };

  server.setRequestHandler(GetPromptRequestSchema, async (request, extra) => {
    const { name } = request.params;
    const args = request.params.arguments;
    const { scope, entry } = await visiblePrompt(name, extra, 'prompt_get_denied');
    const target = promptTarget(entry.upstream, entry.upstreamName);
    const decision = decideOn(scope, 'prompt.get', target, 'call', args ?? {});
    if (decision.decision !== 'allow') {
      await auditDenied(ctx, { action: 'prompt.get', eventType: 'prompt_get_denied', target, upstream: entry.upstream, decision, data: { prompt: entry.upstreamName } });
      throw refused(decision);
    }
    return (await callUpstream(ctx, access, entry.upstream, 'The upstream server of this prompt failed', extra.signal, (session) =>
      session.client.request(
        { method: 'prompts/get', params: { name: entry.upstreamName, ...(args !== undefined ? { arguments: args } : {}) } },
        promptResultSchema,
        { signal: extra.signal },
      ),
    )) as ServerResult;
  });

  server.setRequestHandler(CompleteRequestSchema, async (request, extra) => {
    const { ref, argument, context } = request.params;
    let upstream: Upstream;
    let upstreamRef: typeof ref;
    if (ref.type === 'ref/prompt') {
      const { entry } = await visiblePrompt(ref.name, extra, 'completion_denied');
      upstream = entry.upstream;
      upstreamRef = { ...ref, name: entry.upstreamName };
    } else {
      const scope = await loadScope(ctx);
      const unknown = new McpError(ErrorCode.InvalidParams, `Unknown resource template: ${ref.uri}`);
      if (!scope) throw unknown;
      const lists = await listAll(ctx, access, scope, ['templates', 'resources'], extra.signal);
      // A template (or a listed resource) the agent can see: decided like resource.read of it.
      const located =
        visibleByKey(scope, lists, 'templates').find((l) => l.item.uriTemplate === ref.uri) ??
        visibleByKey(scope, lists, 'resources').find((l) => l.item.uri === ref.uri);
      if (!located) {
        const hidden = lists.find(({ listing }) => listing.templates?.some((t) => t.uriTemplate === ref.uri) || listing.resources?.some((r) => r.uri === ref.uri));
        if (hidden) {
          const target = resourceTarget(hidden.upstream, ref.uri);
          const decision = decideOn(scope, 'resource.read', target, 'listing');
          await auditDenied(ctx, { action: 'resource.read', eventType: 'completion_denied', target, upstream: hidden.upstream, decision, data: { uri: ref.uri } });
        }
        throw unknown;
      }
      upstream = located.upstream;
      upstreamRef = ref;
    }
    return (await callUpstream(ctx, access, upstream, 'The upstream server failed to complete', extra.signal, async (session) => {
      // A server without completions has no suggestions: an empty answer, not an error.
      if (!session.client.getServerCapabilities()?.completions) return { completion: { values: [], hasMore: false } };
      return session.client.request(
        { method: 'completion/complete', params: { ref: upstreamRef, argument, ...(context !== undefined ? { context } : {}) } },
        completeResultSchema,
        { signal: extra.signal },
      );
    })) as ServerResult;
  });

  return { close: () => subscriptions.close() };
}
