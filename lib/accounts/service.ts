// Accounts: registration, password sign-in, API tokens, the caller's profile and memberships.
import { and, count, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { apiTokens, invitations, organizationMemberships, organizations, users, type User } from '@/db/schema';
import { AppError, forbidden, invalidInput, unauthenticated } from '@/lib/api/errors';
import { generateUserToken, hashToken } from '@/lib/auth/api-tokens';
import type { Ctx, UserCtx } from '@/lib/auth/context';
import { burnPasswordCheck, hashPassword, verifyPassword } from '@/lib/auth/passwords';
import { env } from '@/lib/env';
import type { LoginInput, RegisterInput, UpdateMeInput } from './schemas';
import { clearAccountThrottle, throttleAuthAttempt } from './throttle';
import { changedFields, recordAudit } from '@/lib/audit/record';

export interface PublicUser {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  is_active: boolean;
  is_instance_admin: boolean;
  created_at: string;
}

export function toPublicUser(user: User): PublicUser {
  return {
    id: user.id,
    email: user.email,
    first_name: user.firstName,
    last_name: user.lastName,
    is_active: user.isActive,
    is_instance_admin: user.isInstanceAdmin,
    created_at: user.createdAt.toISOString(),
  };
}

const INVALID_CREDENTIALS = 'Invalid email or password';

// Serializes the "is this the first account?" decision so two concurrent first sign-ups cannot
// both become instance administrator.
const FIRST_ACCOUNT_LOCK = 4242002;

/** Registers an account and signs it in with a new API token (the REST answer). */
export async function registerUser(ctx: Ctx, input: RegisterInput): Promise<{ user: PublicUser; token: string }> {
  const user = await createAccount(ctx, input);
  const token = await issueApiToken(ctx.db, user.id, 'register');
  return { user: toPublicUser(user), token };
}

/**
 * Creates an account under SIGNUP_MODE, throttled per client. The first account becomes the
 * instance administrator; pending invitations for the email become memberships.
 */
export async function createAccount(ctx: Ctx, input: RegisterInput): Promise<User> {
  await throttleAuthAttempt({ action: 'register', client: ctx.clientKey });
  const passwordHash = await hashPassword(input.password);
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${FIRST_ACCOUNT_LOCK})`);
    const [{ total } = { total: 0 }] = await tx.select({ total: count() }).from(users);
    const isFirst = total === 0;
    const pending = await tx
      .select()
      .from(invitations)
      .where(
        and(
          sql`lower(${invitations.email}) = ${input.email}`,
          isNull(invitations.acceptedAt),
          gt(invitations.expiresAt, new Date()),
        ),
      );
    const mode = env().SIGNUP_MODE;
    // The first account is always allowed: without it nobody could ever administer the instance.
    if (!isFirst && mode === 'closed') throw forbidden('Sign-up is closed on this instance');
    if (!isFirst && mode === 'invite' && pending.length === 0) {
      throw forbidden('Sign-up on this instance is by invitation only');
    }
    const [existing] = await tx.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = ${input.email}`);
    if (existing) {
      throw new AppError('conflict', 'An account with this email already exists', {
        fields: { email: ['Already registered'] },
      });
    }
    const [created] = await tx
      .insert(users)
      .values({
        email: input.email,
        password: passwordHash,
        firstName: input.first_name,
        lastName: input.last_name,
        isInstanceAdmin: isFirst,
      })
      .returning();
    if (!created) throw new Error('insert returned no row');
    // The new account is the subject of its own registration.
    const subject = `user:${created.id}`;
    await recordAudit(tx, ctx, {
      subject,
      organizationId: null,
      action: 'user.create',
      eventType: 'user_registered',
      target: `user:${created.id}`,
      data: { instance_admin: isFirst, signup_mode: mode },
    });
    for (const invitation of pending) {
      const [m] = await tx
        .insert(organizationMemberships)
        .values({ userId: created.id, organizationId: invitation.organizationId, role: invitation.role })
        .onConflictDoNothing()
        .returning();
      await tx.update(invitations).set({ acceptedAt: new Date() }).where(eq(invitations.id, invitation.id));
      if (m) {
        await recordAudit(tx, ctx, {
          subject,
          organizationId: invitation.organizationId,
          action: 'membership.create',
          eventType: 'invitation_accepted',
          target: `membership:${m.id}`,
          data: { user_id: created.id, role: invitation.role, invitation_id: invitation.id },
        });
      }
    }
    return created;
  });
}

/**
 * Checks an email and password, throttled per account and per client. Returns the user or null;
 * an unknown email costs the same time as a wrong password.
 */
export async function verifyCredentials(ctx: Ctx, input: LoginInput): Promise<User | null> {
  const { db } = ctx;
  try {
    await throttleAuthAttempt({ action: 'login', account: input.email, client: ctx.clientKey });
  } catch (error) {
    await auditLoginFailure(ctx, input.email, 'login_throttled');
    throw error;
  }
  const [user] = await db.select().from(users).where(sql`lower(${users.email}) = ${input.email}`);
  const ok = user ? await verifyPassword(input.password, user.password) : await burnPasswordCheck(input.password);
  if (!user || !ok || !user.isActive) {
    await auditLoginFailure(ctx, input.email, user ? (ok ? 'account_inactive' : 'wrong_password') : 'unknown_email', user?.id);
    return null;
  }
  await clearAccountThrottle(input.email);
  await db.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, user.id));
  return user;
}

/** Failed sign-ins go to the instance trail; the reason is for operators, never for the caller. */
async function auditLoginFailure(ctx: Ctx, emailAddress: string, reason: string, userId?: string): Promise<void> {
  await recordAudit(ctx.db, ctx, {
    organizationId: null,
    action: 'auth.login_failed',
    eventType: reason === 'login_throttled' ? 'login_throttled' : 'login_failed',
    target: userId ? `user:${userId}` : `email:${emailAddress}`,
    subject: `email:${emailAddress}`,
    decision: 'deny',
    data: { reason },
  });
}

export async function loginWithPassword(ctx: Ctx, input: LoginInput): Promise<{ user: PublicUser; token: string }> {
  const user = await verifyCredentials(ctx, input);
  if (!user) throw new AppError('unauthenticated', INVALID_CREDENTIALS);
  const token = await issueApiToken(ctx.db, user.id, 'login');
  return { user: toPublicUser(user), token };
}

export async function issueApiToken(db: Db, userId: string, name: string): Promise<string> {
  const { token, hash, prefix } = generateUserToken();
  const expiresAt = new Date(Date.now() + env().API_TOKEN_TTL_HOURS * 3600_000);
  await db.insert(apiTokens).values({ userId, tokenHash: hash, prefix, name, expiresAt });
  return token;
}

// last_used_at is informative; writing it on every request would double the cost of each call.
const LAST_USED_RESOLUTION_MS = 60_000;

/** The user behind an API token, or null when the token is unknown, expired or its user inactive. */
export async function resolveApiToken(db: Db, token: string): Promise<{ user: User; tokenId: string } | null> {
  const [row] = await db
    .select({ user: users, tokenId: apiTokens.id, expiresAt: apiTokens.expiresAt, lastUsedAt: apiTokens.lastUsedAt })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.tokenHash, hashToken(token)));
  if (!row || row.expiresAt.getTime() <= Date.now() || !row.user.isActive) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.update(apiTokens).set({ lastUsedAt: new Date() }).where(eq(apiTokens.id, row.tokenId));
  }
  return { user: row.user, tokenId: row.tokenId };
}

/** The user of a browser session, or null when the session was invalidated (password change). */
export async function resolveSessionUser(db: Db, userId: string, sessionVersion: number): Promise<User | null> {
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  if (!user || !user.isActive || user.sessionVersion !== sessionVersion) return null;
  return user;
}

/** Logout deletes the API token the request presented. */
export async function logout(ctx: UserCtx): Promise<{ detail: string }> {
  if (ctx.actor.tokenId) {
    await ctx.db.delete(apiTokens).where(and(eq(apiTokens.id, ctx.actor.tokenId), eq(apiTokens.userId, ctx.actor.userId)));
  }
  return { detail: 'Logged out' };
}

async function currentUserOrThrow(ctx: UserCtx): Promise<User> {
  const [user] = await ctx.db.select().from(users).where(eq(users.id, ctx.actor.userId));
  if (!user) throw unauthenticated();
  return user;
}

export interface MyOrganization {
  id: string;
  name: string;
  role: string;
  created_at: string;
}

export async function listMyOrganizations(ctx: UserCtx): Promise<{ organizations: MyOrganization[]; count: number }> {
  const rows = await ctx.db
    .select({ id: organizations.id, name: organizations.name, role: organizationMemberships.role, createdAt: organizations.createdAt })
    .from(organizationMemberships)
    .innerJoin(organizations, eq(organizations.id, organizationMemberships.organizationId))
    .where(and(eq(organizationMemberships.userId, ctx.actor.userId), eq(organizationMemberships.isActive, true)))
    .orderBy(organizations.name);
  const list = rows.map((r) => ({ id: r.id, name: r.name, role: r.role, created_at: r.createdAt.toISOString() }));
  return { organizations: list, count: list.length };
}

export async function getMe(ctx: UserCtx): Promise<PublicUser & { organizations: MyOrganization[] }> {
  const user = await currentUserOrThrow(ctx);
  const { organizations: orgs } = await listMyOrganizations(ctx);
  return { ...toPublicUser(user), organizations: orgs };
}

/**
 * Updates the profile. Changing the email or password needs the current password; a password
 * change ends every browser session and every other API token of the account.
 */
export async function updateMe(ctx: UserCtx, input: UpdateMeInput): Promise<PublicUser> {
  const user = await currentUserOrThrow(ctx);
  const emailChanges = input.email !== undefined && input.email !== user.email;
  if (emailChanges || input.new_password !== undefined) {
    if (input.current_password === undefined) {
      throw invalidInput({ current_password: ['Required to change the email address or password'] });
    }
    if (!(await verifyPassword(input.current_password, user.password))) {
      throw invalidInput({ current_password: ['Incorrect password'] });
    }
  }
  const newHash = input.new_password !== undefined ? await hashPassword(input.new_password) : undefined;
  const updated = await ctx.db.transaction(async (tx) => {
    if (emailChanges) {
      const [taken] = await tx
        .select({ id: users.id })
        .from(users)
        .where(and(sql`lower(${users.email}) = ${input.email}`, ne(users.id, user.id)));
      if (taken) {
        throw new AppError('conflict', 'An account with this email already exists', {
          fields: { email: ['Already registered'] },
        });
      }
    }
    const [row] = await tx
      .update(users)
      .set({
        ...(input.first_name !== undefined ? { firstName: input.first_name } : {}),
        ...(input.last_name !== undefined ? { lastName: input.last_name } : {}),
        ...(emailChanges ? { email: input.email } : {}),
        ...(newHash ? { password: newHash, sessionVersion: sql`${users.sessionVersion} + 1` } : {}),
        updatedAt: new Date(),
      })
      .where(eq(users.id, user.id))
      .returning();
    await recordAudit(tx, ctx, {
      organizationId: null,
      action: 'user.update',
      eventType: newHash ? 'user_password_changed' : 'user_updated',
      target: `user:${user.id}`,
      data: {
        changed_fields: changedFields({
          first_name: input.first_name,
          last_name: input.last_name,
          email: emailChanges ? input.email : undefined,
          password: input.new_password,
        }),
      },
    });
    if (newHash) {
      const keep = ctx.actor.tokenId;
      await tx
        .delete(apiTokens)
        .where(keep ? and(eq(apiTokens.userId, user.id), ne(apiTokens.id, keep)) : eq(apiTokens.userId, user.id));
    }
    return row!;
  });
  return toPublicUser(updated);
}

/** Sets a new password from the operator's command line; ends every session and token. */
export async function resetPasswordByEmail(db: Db, emailAddress: string, newPassword: string): Promise<boolean> {
  const hash = await hashPassword(newPassword);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(users)
      .set({ password: hash, sessionVersion: sql`${users.sessionVersion} + 1`, updatedAt: new Date() })
      .where(sql`lower(${users.email}) = ${emailAddress.toLowerCase()}`)
      .returning({ id: users.id });
    if (!row) return false;
    await tx.delete(apiTokens).where(eq(apiTokens.userId, row.id));
    await recordAudit(tx, { actor: { kind: 'anonymous' }, requestId: 'cli', clientKey: 'operator-cli' }, {
      organizationId: null,
      action: 'user.update',
      eventType: 'user_password_reset_by_operator',
      target: `user:${row.id}`,
      subject: 'operator:cli',
      data: { changed_fields: ['password'] },
    });
    return true;
  });
}
