'use server';
// Connection changes from the console: the same services and roles as REST (members manage
// connections; a new endpoint or credentials need an admin, and a new endpoint detaches the old
// credentials). Test and sync run here, in the action; the sync panel polls its progress.
import { z } from 'zod';
import type { TestState } from '@/components/connections/test-panel';
import type { SyncState } from '@/components/connections/sync-panel';
import { invalidInput } from '@/lib/api/errors';
import { orgAction, type ActionInput } from '@/lib/auth/org-action';
import { createConnection, deleteConnection, getConnection, getConnectionOrThrow, updateConnection } from '@/lib/connections/service';
import { checkConnection, type ConnectionTestResult } from '@/lib/connections/test-connection';
import { syncConnection, type SyncResult } from '@/lib/tools/sync';
import { connectionEnabledForm, connectionRefForm, createConnectionForm, editConnectionForm } from './form-schemas';

const connectionPath = (c: { organization_id: string; id: string }) => `/orgs/${c.organization_id}/connections/${c.id}`;

export const createConnectionAction = orgAction('connection.manage', createConnectionForm, createConnection, { redirectTo: connectionPath });

export const updateConnectionAction = orgAction(
  'connection.manage',
  editConnectionForm,
  async (ctx, { connection_id, ...changes }) => {
    const current = await getConnection(ctx, connection_id);
    // The form sends the current credentials back: with a new endpoint they are not a choice the
    // admin made, so they are dropped and the service detaches them (a secret never follows a URL).
    if (changes.endpoint !== undefined && changes.endpoint !== current.endpoint && changes.secret_ref === current.secret_ref) {
      delete changes.secret_ref;
      delete changes.auth_method;
    }
    return updateConnection(ctx, connection_id, changes);
  },
  { ok: (c) => `Connection ${c.name} saved.` },
);

export const setConnectionEnabledAction = orgAction(
  'connection.manage',
  connectionEnabledForm,
  (ctx, { connection_id, enabled }) => updateConnection(ctx, connection_id, { enabled }),
  {
    ok: (c) =>
      c.enabled
        ? `Connection ${c.name} is enabled: its enabled tools can run again.`
        : `Connection ${c.name} is disabled: none of its tools run until it is enabled again.`,
  },
);

export const deleteConnectionAction = orgAction(
  'connection.manage',
  z.strictObject({ connection_id: z.string(), confirm: z.string() }),
  async (ctx, { connection_id, confirm }) => {
    const connection = await getConnection(ctx, connection_id);
    if (confirm.trim() !== connection.name) throw invalidInput({ confirm: [`Does not match ${connection.name}`] }, 'Nothing was deleted');
    await deleteConnection(ctx, connection.id);
    return connection;
  },
  { redirectTo: (c) => `/orgs/${c.organization_id}/connections` },
);

export async function testConnectionAction(orgId: string, prev: TestState, input: ActionInput): Promise<TestState> {
  let result: ConnectionTestResult | undefined;
  const run = orgAction('connection.manage', connectionRefForm, async (ctx, { connection_id }) => {
    result = await checkConnection(ctx, await getConnectionOrThrow(ctx, connection_id));
    return result;
  });
  const state = await run(orgId, prev, input);
  return result ? { ...state, result } : state;
}

export async function syncConnectionAction(orgId: string, prev: SyncState, input: ActionInput): Promise<SyncState> {
  let result: SyncResult | undefined;
  const run = orgAction('connection.manage', connectionRefForm, async (ctx, { connection_id }) => {
    // 404 for a connection of another organization before the sync resolves it again by its row.
    await getConnectionOrThrow(ctx, connection_id);
    result = await syncConnection(ctx, connection_id);
    return result;
  });
  const state = await run(orgId, prev, input);
  return result ? { ...state, result } : state;
}
