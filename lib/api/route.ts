// The route wrapper: every /api/v1 handler is `apiRoute(options, handler)`. It composes small
// steps — request id, authentication, same-origin check, organization access, error mapping,
// audit of refusals, access log — so a route file stays a few lines: parse input, call a
// service, answer.
import { getDb } from '@/db/client';
import { recordAudit } from '@/lib/audit/record';
import { authenticate, assertSameOrigin } from '@/lib/auth/authenticate';
import type { Actor, AgentCtx, Ctx, UserCtx } from '@/lib/auth/context';
import type { Permission } from '@/lib/auth/rbac';
import { env } from '@/lib/env';
import { logger } from '@/lib/observability/logger';
import { getEnvironmentOrThrow, requireOrgAccess, type OrgCtx } from '@/lib/tenancy/access';
import type { z } from 'zod';
import { readJsonBody } from './body';
import { clientKey } from './client-key';
import { AppError, errorBody, fromDatabaseError, notFound, unauthenticated } from './errors';
import { requestIdOf } from './request-id';
import { parseInput } from './validation';

// Dynamic segments are strings; catch-all segments ([...path]) are string arrays.
type Params = Record<string, string | string[]>;

interface HandlerArgs<P extends Params, C extends Ctx> {
  req: Request;
  url: URL;
  params: P;
  ctx: C;
  /** Reads the JSON body (≤ 1 MiB) and validates it, or throws a 400/413/415. */
  body: <S extends z.ZodType>(schema: S) => Promise<z.output<S>>;
}

type Handler<P extends Params, C extends Ctx> = (args: HandlerArgs<P, C>) => Promise<Response>;

/** An agent on an org path of an agent-facing endpoint (e.g. runs/execute): its own organization. */
export type AgentOrgCtx = AgentCtx & { orgId: string };

interface RouteOptions {
  /**
   * 'user': a signed-in user (API token or session); 'agent': an agent credential (agent-facing
   * endpoints); 'public': anyone. Agent tokens are refused everywhere but agent-facing endpoints.
   */
  auth: 'public' | 'user' | 'agent' | 'user_or_agent';
  /**
   * For /orgs/{org_id}/… paths: the permission (lib/auth/rbac.ts) the caller's role in that
   * organization must grant. Non-members get 404. An {env_id} in the path must belong to the org.
   */
  permission?: Permission;
}

type NextHandler = (req: Request, context: { params: Promise<Params> }) => Promise<Response>;

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function apiRoute<P extends Params = Params>(
  options: { auth: 'user'; permission: Permission },
  handler: Handler<P, OrgCtx>,
): NextHandler;
export function apiRoute<P extends Params = Params>(
  options: { auth: 'user_or_agent'; permission: Permission },
  handler: Handler<P, OrgCtx | AgentOrgCtx>,
): NextHandler;
export function apiRoute<P extends Params = Params>(options: { auth: 'user' }, handler: Handler<P, UserCtx>): NextHandler;
export function apiRoute<P extends Params = Params>(options: { auth: 'agent' }, handler: Handler<P, AgentCtx>): NextHandler;
export function apiRoute<P extends Params = Params>(options: { auth: 'public' }, handler: Handler<P, Ctx>): NextHandler;
export function apiRoute<P extends Params = Params>(options: RouteOptions, handler: Handler<P, never>): NextHandler {
  return async (req, context) => {
    const started = performance.now();
    const requestId = requestIdOf(req);
    const url = new URL(req.url);
    let ctx: Ctx | undefined;
    let params: Params = {};
    let response: Response;
    try {
      params = (await context?.params) ?? {};
      const db = await getDb();
      const actor = await authenticate(req, db);
      ctx = { db, actor, requestId, clientKey: clientKey(req) };
      requireActorKind(options.auth, actor);
      if (actor.kind === 'user' && actor.via === 'session' && UNSAFE_METHODS.has(req.method)) {
        assertSameOrigin(req, env().PUBLIC_URL);
      }
      if (options.permission) {
        ctx = actor.kind === 'agent' ? agentOrgScope(ctx as AgentCtx, params) : await orgScope(ctx as UserCtx, params, options.permission);
      }
      const body = async <S extends z.ZodType>(schema: S) => parseInput(schema, await readJsonBody(req));
      response = await handler({ req, url, params: params as P, ctx: ctx as never, body });
    } catch (error) {
      response = errorResponse(error, requestId, { method: req.method, path: url.pathname });
      if (ctx) await auditRefusal(ctx, error, Boolean(options.permission), params, req.method, url.pathname);
    }
    response.headers.set('x-request-id', requestId);
    logger().info(
      {
        request_id: requestId,
        method: req.method,
        path: url.pathname,
        status: response.status,
        duration_ms: Math.round(performance.now() - started),
        user_id: ctx?.actor.kind === 'user' ? ctx.actor.userId : undefined,
        agent_id: ctx?.actor.kind === 'agent' ? ctx.actor.agentId : undefined,
        org_id: ctx && 'orgId' in ctx ? ctx.orgId : undefined,
      },
      'request',
    );
    return response;
  };
}

/** Which kinds of caller an endpoint takes (API-NOTES, "Identities and credentials"). */
function requireActorKind(auth: RouteOptions['auth'], actor: Actor): void {
  if (auth === 'public') return;
  if (actor.kind === 'anonymous') throw unauthenticated();
  if (auth === 'user_or_agent') return;
  if (auth === 'user' && actor.kind === 'agent') {
    throw new AppError('forbidden', 'Agent tokens are accepted only on agent-facing endpoints');
  }
  if (auth === 'agent' && actor.kind === 'user') {
    throw new AppError('forbidden', 'This endpoint takes an agent credential, not a user token');
  }
}

/** An agent on an org path (agent-facing endpoints): its own organization only; any other is unknown to it. */
function agentOrgScope(ctx: AgentCtx, params: Params): AgentOrgCtx {
  if (String(params.org_id ?? '') !== ctx.actor.orgId) throw notFound('Organization');
  return { ...ctx, orgId: ctx.actor.orgId };
}

async function orgScope(ctx: UserCtx, params: Params, permission: Permission): Promise<OrgCtx> {
  const orgCtx = await requireOrgAccess(ctx, String(params.org_id ?? ''), permission);
  if (params.env_id !== undefined) {
    orgCtx.envId = (await getEnvironmentOrThrow(orgCtx, String(params.env_id))).id;
  }
  return orgCtx;
}

/**
 * Every 401 and 403 on an org-scoped route leaves an audit event, and so does any refusal inside
 * an organization (a role check on a path that names the org only in its body or row): 403s in
 * the organization's trail (the caller is a member), 401s in the instance trail (nobody is known).
 */
async function auditRefusal(
  ctx: Ctx,
  error: unknown,
  orgScoped: boolean,
  params: Params,
  method: string,
  path: string,
): Promise<void> {
  if (!(error instanceof AppError) || (error.status !== 401 && error.status !== 403)) return;
  if (!orgScoped && !error.orgId) return;
  const denied = error.status === 403;
  try {
    await recordAudit(ctx.db, ctx, {
      organizationId: denied ? (error.orgId ?? null) : null,
      action: denied ? 'access.denied' : 'access.unauthenticated',
      eventType: denied ? 'permission_denied' : 'not_authenticated',
      target: `org:${error.orgId ?? String(params.org_id ?? 'unknown')}`,
      decision: 'deny',
      data: { method, path, ...(denied ? { permission: error.details.permission, reason: error.message } : {}) },
    });
  } catch (auditError) {
    logger().error({ request_id: ctx.requestId, err: auditError }, 'could not audit a refusal');
  }
}

export function json(data: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(data, { status, headers: { 'cache-control': 'no-store', ...headers } });
}

export function noContent(): Response {
  return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });
}

export function errorResponse(error: unknown, requestId: string, where: Record<string, unknown> = {}): Response {
  const appError = error instanceof AppError ? error : fromDatabaseError(error);
  if (appError) {
    return json(errorBody(appError, requestId), appError.status, appError.headers);
  }
  // Unknown errors are logged in full here and masked in the answer.
  logger().error({ request_id: requestId, err: error, ...where }, 'unhandled error');
  const masked = new AppError('internal', 'Internal server error');
  return json(errorBody(masked, requestId), 500);
}
