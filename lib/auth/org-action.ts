// Server actions are API endpoints (STYLE.md 6): every console mutation goes through this helper,
// which does what the route wrapper does for REST — signed-in user → organization membership and
// role → zod → service → revalidate — and turns refusals into form state for useActionState.
// Unknown errors are rethrown, never turned into state: Next shows its error boundary and masks
// their messages in production, so nothing internal reaches the browser.
import { revalidatePath } from 'next/cache';
import { notFound, redirect, unstable_rethrow } from 'next/navigation';
import type { z } from 'zod';
import { AppError, fromDatabaseError } from '@/lib/api/errors';
import { fieldErrors } from '@/lib/api/validation';
import { recordAudit } from '@/lib/audit/record';
import { logger } from '@/lib/observability/logger';
import { requireOrgAccess, type OrgCtx } from '@/lib/tenancy/access';
import { pageUserCtx, userActionCtx } from './action-ctx';
import type { UserCtx } from './context';
import type { Permission } from './rbac';

/** What a console form shows after its action ran. */
export interface ActionState {
  /** Success message (shown as a status). */
  ok?: string;
  /** A readable refusal: the AppError's message. */
  message?: string;
  /** Messages per input name, from zod or from the service's details.fields. */
  fields?: Record<string, string[]>;
  /** The submitted text, so a form that React reset (or a no-JS round trip) can show it again. */
  values?: Record<string, string>;
}

export type ActionInput = FormData | Record<string, unknown>;

/** Shape for useActionState once the organization id is bound: `action.bind(null, orgId)`. */
export type OrgFormAction = (orgId: string, prev: ActionState, input: ActionInput) => Promise<ActionState>;
export type BoundFormAction = (prev: ActionState, input: ActionInput) => Promise<ActionState>;

export interface ActionOptions<R> {
  /** Shown after success. */
  ok?: string | ((result: R) => string);
  /** A path of ours to go to after success (e.g. the organization just created). */
  redirectTo?: (result: R) => string | undefined;
}

/**
 * An org-scoped server action: `orgAction(permission, schema, (ctx, input) => service(ctx, input))`.
 * The org id arrives from the browser (bound argument), so it proves nothing: membership and role
 * are checked here on every call, before the input is even parsed.
 */
export function orgAction<S extends z.ZodType, R>(
  permission: Permission,
  schema: S,
  run: (ctx: OrgCtx, input: z.output<S>) => Promise<R>,
  options: ActionOptions<R> = {},
): OrgFormAction {
  return async (orgId, _prev, input) =>
    perform((user) => requireOrgAccess(user, String(orgId), permission), schema, run, options, input);
}

/** A server action for a signed-in user outside any organization (creating one). */
export function userAction<S extends z.ZodType, R>(
  schema: S,
  run: (ctx: UserCtx, input: z.output<S>) => Promise<R>,
  options: ActionOptions<R> = {},
): BoundFormAction {
  return async (_prev, input) => perform(async (user) => user, schema, run, options, input);
}

/**
 * For org pages (server components): the caller's org context, the sign-in page when signed out,
 * and Next's 404 page for an organization the caller is not a member of — exactly as for one that
 * does not exist, so ids reveal nothing.
 */
export async function pageOrgCtx(orgId: string, permission: Permission = 'org.read'): Promise<OrgCtx> {
  const ctx = await pageUserCtx();
  try {
    return await requireOrgAccess(ctx, orgId, permission);
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') notFound();
    throw error;
  }
}

async function perform<C extends UserCtx, S extends z.ZodType, R>(
  scope: (user: UserCtx) => Promise<C>,
  schema: S,
  run: (ctx: C, input: z.output<S>) => Promise<R>,
  options: ActionOptions<R>,
  input: ActionInput,
): Promise<ActionState> {
  const raw = formValues(input);
  const values = textValues(raw);
  let user: UserCtx | undefined;
  let result: R;
  try {
    user = await userActionCtx();
    const ctx = await scope(user);
    const parsed = schema.safeParse(raw);
    if (!parsed.success) return { fields: fieldErrors(parsed.error), values };
    result = await run(ctx, parsed.data);
  } catch (error) {
    // redirect() and notFound() from inside a service or callback are Next's control flow.
    unstable_rethrow(error);
    const appError = error instanceof AppError ? error : fromDatabaseError(error);
    if (appError?.code === 'unauthenticated') redirect('/login');
    if (!appError) {
      logger().error({ request_id: user?.requestId, err: error }, 'unhandled error in a server action');
      throw error;
    }
    if (user && appError.code === 'forbidden') await auditRefusal(user, appError);
    const fields = appError.details.fields as Record<string, string[]> | undefined;
    return { message: appError.message, ...(fields ? { fields } : {}), values };
  }
  // The shell shows organization and environment names on every page, so any change may show
  // up anywhere: refresh the whole console rather than guess which pages are affected.
  revalidatePath('/', 'layout');
  const to = options.redirectTo?.(result);
  if (to) redirect(to);
  const ok = typeof options.ok === 'function' ? options.ok(result) : options.ok;
  return ok ? { ok } : {};
}

/**
 * A refused console action leaves the same trail as a refused REST call (lib/api/route.ts):
 * a permission_denied event in the organization the caller is a member of.
 */
async function auditRefusal(ctx: UserCtx, error: AppError): Promise<void> {
  const orgId = error.orgId; // set by authorize() on every role refusal inside an organization
  if (!orgId) return;
  try {
    await recordAudit(ctx.db, ctx, {
      organizationId: orgId,
      action: 'access.denied',
      eventType: 'permission_denied',
      target: `org:${orgId}`,
      decision: 'deny',
      data: { via: 'server_action', permission: error.details.permission, reason: error.message },
    });
  } catch (auditError) {
    logger().error({ request_id: ctx.requestId, err: auditError }, 'could not audit a refusal');
  }
}

function formValues(input: ActionInput): Record<string, unknown> {
  if (!(input instanceof FormData)) return input ?? {};
  const values: Record<string, unknown> = {};
  for (const [key, value] of input) {
    // React adds $ACTION_* fields to forms that work without JavaScript; they are not input,
    // and the strict schemas would refuse them as unknown fields.
    if (key.startsWith('$ACTION')) continue;
    if (typeof value === 'string') values[key] = value;
  }
  return values;
}

function textValues(raw: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
