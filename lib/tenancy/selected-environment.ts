// The environment the console works in, per organization. The choice lives in a cookie
// (axs_env_<orgId>) because it is a view preference, not data: it is checked against the
// organization on every read, so a stale or forged cookie can never point into another org.
import { cookies } from 'next/headers';
import { AppError } from '@/lib/api/errors';
import { usesSecureCookies } from '@/lib/auth/session-cookie';
import { getEnvironmentOrThrow, isUuid, type OrgCtx } from './access';
import { listEnvironments, toPublicEnvironment, type PublicEnvironment } from './environments';

const ONE_YEAR_SECONDS = 365 * 24 * 3600;

/** The switcher lists at most this many (the largest page the service serves). */
const SWITCHER_LIMIT = 200;

export const environmentCookieName = (orgId: string) => `axs_env_${orgId}`;

async function chosenId(orgId: string): Promise<string | undefined> {
  const value = (await cookies()).get(environmentCookieName(orgId))?.value;
  return isUuid(value) ? value : undefined;
}

/**
 * The selected environment of ctx.orgId: the cookie's choice while it still belongs to the
 * organization, else the first environment by name; null when the organization has none.
 * Env-scoped areas call this to know where they are.
 */
export async function selectedEnvironmentId(ctx: OrgCtx): Promise<string | null> {
  const chosen = await chosenId(ctx.orgId);
  if (chosen) {
    try {
      return (await getEnvironmentOrThrow(ctx, chosen)).id;
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'not_found')) throw error;
    }
  }
  const { results } = await listEnvironments(ctx, { page: 1, pageSize: 1, offset: 0 });
  return results[0]?.id ?? null;
}

/** Everything the environment switcher shows: the list and which one is selected. */
export async function environmentChoice(
  ctx: OrgCtx,
): Promise<{ environments: PublicEnvironment[]; selectedId: string | null }> {
  const { results } = await listEnvironments(ctx, { page: 1, pageSize: SWITCHER_LIMIT, offset: 0 });
  const chosen = await chosenId(ctx.orgId);
  const selected = results.find((e) => e.id === chosen) ?? results[0];
  return { environments: results, selectedId: selected?.id ?? null };
}

/** Remembers the choice; 404 unless the environment belongs to ctx.orgId. Server actions only. */
export async function selectEnvironment(ctx: OrgCtx, envId: string): Promise<PublicEnvironment> {
  const env = await getEnvironmentOrThrow(ctx, envId);
  (await cookies()).set(environmentCookieName(ctx.orgId), env.id, {
    httpOnly: true,
    sameSite: 'lax',
    secure: usesSecureCookies(),
    path: '/',
    maxAge: ONE_YEAR_SECONDS,
  });
  return toPublicEnvironment(env);
}

/** Drops the choice of an organization that no longer exists. */
export async function forgetEnvironmentChoice(orgId: string): Promise<void> {
  (await cookies()).delete(environmentCookieName(orgId));
}
