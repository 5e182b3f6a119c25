// The route wrapper: every /api/v1 handler is `apiRoute(options, handler)`. It composes small
// steps — request id, authentication, same-origin check, error mapping, access log — so a route
// file stays a few lines: parse input, call a service, answer.
import { getDb } from '@/db/client';
import { authenticate, assertSameOrigin } from '@/lib/auth/authenticate';
import type { Ctx, UserCtx } from '@/lib/auth/context';
import { env } from '@/lib/env';
import { logger } from '@/lib/observability/logger';
import type { z } from 'zod';
import { readJsonBody } from './body';
import { clientKey } from './client-key';
import { AppError, errorBody, fromDatabaseError, unauthenticated } from './errors';
import { requestIdOf } from './request-id';
import { parseInput } from './validation';

type Params = Record<string, string>;

interface HandlerArgs<P extends Params, C extends Ctx> {
  req: Request;
  url: URL;
  params: P;
  ctx: C;
  /** Reads the JSON body (≤ 1 MiB) and validates it, or throws a 400/413/415. */
  body: <S extends z.ZodType>(schema: S) => Promise<z.output<S>>;
}

type Handler<P extends Params, C extends Ctx> = (args: HandlerArgs<P, C>) => Promise<Response>;

interface RouteOptions<A extends 'public' | 'user'> {
  /** 'user': a signed-in user (API token or session); 'public': anyone. */
  auth: A;
}

type CtxFor<A> = A extends 'user' ? UserCtx : Ctx;

type NextHandler = (req: Request, context: { params: Promise<Params> }) => Promise<Response>;

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function apiRoute<A extends 'public' | 'user', P extends Params = Params>(
  options: RouteOptions<A>,
  handler: Handler<P, CtxFor<A>>,
): NextHandler {
  return async (req, context) => {
    const started = performance.now();
    const requestId = requestIdOf(req);
    const url = new URL(req.url);
    let actorId: string | undefined;
    let response: Response;
    try {
      const db = await getDb();
      const actor = await authenticate(req, db);
      if (actor.kind === 'user') actorId = actor.userId;
      if (options.auth === 'user' && actor.kind !== 'user') throw unauthenticated();
      if (actor.kind === 'user' && actor.via === 'session' && UNSAFE_METHODS.has(req.method)) {
        assertSameOrigin(req, env().PUBLIC_URL);
      }
      const ctx = { db, actor, requestId, clientKey: clientKey(req) } as CtxFor<A>;
      const params = ((await context?.params) ?? {}) as P;
      const body = async <S extends z.ZodType>(schema: S) => parseInput(schema, await readJsonBody(req));
      response = await handler({ req, url, params, ctx, body });
    } catch (error) {
      response = errorResponse(error, requestId, { method: req.method, path: url.pathname });
    }
    response.headers.set('x-request-id', requestId);
    logger().info(
      {
        request_id: requestId,
        method: req.method,
        path: url.pathname,
        status: response.status,
        duration_ms: Math.round(performance.now() - started),
        user_id: actorId,
      },
      'request',
    );
    return response;
  };
}

export function json(data: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(data, { status, headers: { 'cache-control': 'no-store', ...headers } });
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
