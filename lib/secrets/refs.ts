// Secret refs: the id of a row in `secrets`, valid only inside the organization that owns it. Other
// domains store refs in `*_ref` columns and check them here when they are set; a ref of another
// organization is indistinguishable from one that does not exist.
import { and, eq } from 'drizzle-orm';
import { secrets } from '@/db/schema';
import type { OrgCtx } from '@/lib/tenancy/access';
import { isUuid } from '@/lib/tenancy/access';

/** Whether `ref` names a stored secret of the caller's organization. */
export async function secretRefExists(ctx: Pick<OrgCtx, 'db' | 'orgId'>, ref: string): Promise<boolean> {
  // Not a UUID: cannot be an id, and asking Postgres would fail with a type error.
  if (!isUuid(ref)) return false;
  const [row] = await ctx.db
    .select({ id: secrets.id })
    .from(secrets)
    .where(and(eq(secrets.id, ref), eq(secrets.organizationId, ctx.orgId)));
  return Boolean(row);
}
