// The runs list's environment filter (the console lists the runs of the environment chosen in the
// header); the other filters and cursor paging are covered through the REST route in
// lib/executor/execute.api.test.ts.
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { runs } from '@/db/schema';
import { createEnvironment } from '@/lib/tenancy/environments';
import { setupTestDb } from '@/test/helpers/db';
import { makeOrg } from '@/test/helpers/fixtures';
import { runFiltersSchema } from './schemas';
import { listRuns } from './service';

setupTestDb();

const url = new URL('http://localhost/api/v1/orgs/x/runs/');

describe('listRuns environment_id', () => {
  it('lists only the runs of that environment, and pages within it', async () => {
    const org = await makeOrg(undefined, 'runs-env');
    const other = await createEnvironment(org.ownerCtx, { name: 'prod', type: 'production' });
    const db = await getDb();
    const row = (environmentId: string, target: string) => ({ organizationId: org.id, environmentId, status: 'failed' as const, target, via: 'rest' });
    await db.insert(runs).values([row(org.envId, 'tool:a/one'), row(org.envId, 'tool:a/two'), row(other.id, 'tool:b/three')]);

    const dev = await listRuns(org.ownerCtx, runFiltersSchema.parse({ environment_id: org.envId }), url);
    expect(dev.count).toBe(2);
    expect(dev.results.map((r) => r.target).sort()).toEqual(['tool:a/one', 'tool:a/two']);

    const prod = await listRuns(org.ownerCtx, runFiltersSchema.parse({ environment_id: other.id }), url);
    expect(prod.results.map((r) => r.target)).toEqual(['tool:b/three']);

    const firstPage = await listRuns(org.ownerCtx, runFiltersSchema.parse({ environment_id: org.envId, page_size: '1' }), url);
    expect(firstPage.results).toHaveLength(1);
    const next = new URL(firstPage.next!);
    const secondPage = await listRuns(
      org.ownerCtx,
      runFiltersSchema.parse({ environment_id: org.envId, page_size: '1', cursor: next.searchParams.get('cursor') }),
      url,
    );
    expect(secondPage.results).toHaveLength(1);
    expect(secondPage.results[0]!.environment_id).toBe(org.envId);
    expect(secondPage.results[0]!.id).not.toBe(firstPage.results[0]!.id);
    expect(secondPage.next).toBeNull();

    expect(runFiltersSchema.safeParse({ environment_id: 'dev' }).success).toBe(false);
  });
});
