import type { Metadata } from 'next';
import { Pager, pageFromSearch } from '@/components/console/pager';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import { env } from '@/lib/env';
import { listDataKeys } from '@/lib/secrets/key-ring';
import { listSecrets } from '@/lib/secrets/service';
import { getOrganization } from '@/lib/tenancy/organizations';
import { deleteSecretAction, rotateKeysAction, storeSecretAction } from './actions';
import { CopyButton, DeleteSecretForm, RotateKeysForm, StoreSecretForm } from './secret-forms';

export const metadata: Metadata = { title: 'Secrets' };

const PAGE_SIZE = 50;

export default async function SecretsPage({
  params,
  searchParams,
}: {
  params: Promise<{ org_id: string }>;
  searchParams: Promise<{ page?: string | string[] }>;
}) {
  const ctx = await pageOrgCtx((await params).org_id, 'org.read');
  const org = await getOrganization(ctx);
  const canManage = can(ctx.role, 'secret.manage');
  const isInstanceAdmin = ctx.actor.isInstanceAdmin;
  const page = pageFromSearch((await searchParams).page, PAGE_SIZE);
  const { total, results } = canManage ? await listSecrets(ctx, page) : { total: 0, results: [] };
  const keys = isInstanceAdmin ? await listDataKeys(ctx.db) : [];
  return (
    <div className="space-y-8">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Secrets</h1>
        <p className="text-sm text-slate-600">
          Of {org.name}. Values are encrypted when stored and never shown again; agents and connections refer to them by ref.
        </p>
      </div>

      {!canManage ? (
        <p className="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-600" data-testid="secrets-not-allowed">
          Only admins and owners of this organization see and manage its secrets.
        </p>
      ) : (
        <>
          <section aria-labelledby="store-secret-heading" className="rounded-lg border border-slate-200 bg-white p-6">
            <h2 id="store-secret-heading" className="mb-4 text-base font-semibold">
              Store a secret
            </h2>
            <StoreSecretForm action={storeSecretAction.bind(null, org.id)} />
          </section>

          <section aria-labelledby="secret-list-heading" className="rounded-lg border border-slate-200 bg-white p-6">
            <h2 id="secret-list-heading" className="text-base font-semibold">
              Stored secrets
            </h2>
            {total === 0 ? (
              <p className="mt-2 text-sm text-slate-600" data-testid="secrets-empty">
                No secrets yet. Store the first one above.
              </p>
            ) : (
              <table className="mt-3 w-full text-left text-sm" aria-label="Secrets">
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th className="py-2 pr-3 font-medium">Name</th>
                    <th className="py-2 pr-3 font-medium">Ref</th>
                    <th className="py-2 pr-3 font-medium">Stored</th>
                    <th className="py-2 font-medium">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {results.map((s) => (
                    <tr key={s.secret_ref} data-testid="secret-row" className="align-top">
                      <td className="py-3 pr-3">{s.name ?? <span className="text-slate-400">(unnamed)</span>}</td>
                      <td className="py-3 pr-3">
                        <div className="flex items-center gap-2">
                          <code className="font-mono text-xs">{s.secret_ref}</code>
                          <CopyButton text={s.secret_ref} />
                        </div>
                      </td>
                      <td className="py-3 pr-3 whitespace-nowrap text-slate-600">
                        <time dateTime={s.created_at}>{s.created_at.slice(0, 16).replace('T', ' ')} UTC</time>
                      </td>
                      <td className="py-3">
                        <DeleteSecretForm action={deleteSecretAction.bind(null, org.id)} secret={s} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <Pager path={`/orgs/${org.id}/secrets`} page={page.page} pageSize={PAGE_SIZE} total={total} />
          </section>
        </>
      )}

      {isInstanceAdmin && (
        <section aria-labelledby="rotate-heading" className="rounded-lg border border-slate-200 bg-white p-6">
          <h2 id="rotate-heading" className="text-base font-semibold">
            Encryption keys (whole instance)
          </h2>
          <p className="mt-1 mb-4 text-sm text-slate-600">
            Rotation makes a new data key, re-encrypts every stored secret of every organization under it while they stay
            readable, and retires the old keys. Data keys are wrapped by the {env().SECRETS_KMS_PROVIDER === 'settings' ? 'SECRETS_KEK setting' : 'key in DATA_DIR/keys/secret-kek'}{' '}
            — without that key no secret can be read, so keep a copy of it somewhere safe.
          </p>
          {keys.length > 0 && (
            <ul className="mb-4 space-y-1 text-xs text-slate-600" aria-label="Data keys">
              {keys.map((k) => (
                <li key={k.id}>
                  <code className="font-mono">{k.id}</code> · created {k.created_at.slice(0, 16).replace('T', ' ')} UTC ·{' '}
                  {k.active ? <strong className="text-emerald-700">encrypts new secrets</strong> : k.retired_at ? 'retired (still decrypts)' : 'decrypts'}
                </li>
              ))}
            </ul>
          )}
          <RotateKeysForm action={rotateKeysAction} />
        </section>
      )}
    </div>
  );
}
