// Server actions are API endpoints too: they build the same Ctx as the route wrapper.
import { randomUUID } from 'node:crypto';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { getDb } from '@/db/client';
import { clientKeyFromHeaders } from '@/lib/api/client-key';
import { AppError, unauthenticated } from '@/lib/api/errors';
import type { Ctx, UserCtx } from './context';
import { auth } from './next-auth';

export async function anonymousActionCtx(): Promise<Ctx> {
  return {
    db: await getDb(),
    actor: { kind: 'anonymous' },
    requestId: randomUUID(),
    clientKey: clientKeyFromHeaders(await headers()),
  };
}

/** The signed-in user's context, or a 401 AppError. auth() has already checked the session version. */
export async function userActionCtx(): Promise<UserCtx> {
  const ctx = await anonymousActionCtx();
  const session = await auth();
  if (!session?.userId) throw unauthenticated();
  const user = await ctx.db.query.users.findFirst({ where: (u, { eq }) => eq(u.id, session.userId) });
  if (!user || !user.isActive) throw unauthenticated();
  return {
    ...ctx,
    actor: { kind: 'user', userId: user.id, email: user.email, isInstanceAdmin: user.isInstanceAdmin, via: 'session' },
  };
}

/**
 * For server components: the signed-in user's context, or a redirect to the sign-in page. Layout
 * and page render in parallel, so each page asks for itself rather than trusting the layout.
 */
export async function pageUserCtx(): Promise<UserCtx> {
  try {
    return await userActionCtx();
  } catch (error) {
    if (error instanceof AppError && error.code === 'unauthenticated') redirect('/login');
    throw error;
  }
}
