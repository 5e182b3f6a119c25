// Instance-wide actions (key rotation and the like) belong to the instance administrator: the
// first account, or accounts an operator made administrators.
import { AppError } from '@/lib/api/errors';
import type { UserCtx } from './context';

export function requireInstanceAdmin(ctx: UserCtx): void {
  if (!ctx.actor.isInstanceAdmin) throw new AppError('forbidden', 'This needs the instance administrator');
}
