import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { EnvironmentTypeBadge } from '@/components/console/badges';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import { env } from '@/lib/env';
import { getEnvironment } from '@/lib/tenancy/environments';
import { selectedEnvironmentId } from '@/lib/tenancy/selected-environment';
import { secretOptions } from '../../agents/choices';
import { createMcpServerAction } from '../actions';
import { RegisterMcpServerForm, type StdioRules } from '../mcp-server-forms';

export const metadata: Metadata = { title: 'Register MCP server' };

export default async function NewMcpServerPage({ params }: { params: Promise<{ org_id: string }> }) {
  const ctx = await pageOrgCtx((await params).org_id, 'org.read');
  const base = `/orgs/${ctx.orgId}/mcp-servers`;
  const envId = await selectedEnvironmentId(ctx);
  if (!envId) redirect(base);
  const environment = await getEnvironment(ctx, envId);
  const canManage = can(ctx.role, 'mcp_server.manage');
  const settings = env();
  // The operator's stdio rules, said up front; the service enforces them on submit either way.
  const stdio: StdioRules = {
    allowedCommands: settings.MCP_STDIO_ALLOWED_COMMANDS.map((entry) => entry.text),
    registration: settings.MCP_STDIO_REGISTRATION,
    mayRegister: settings.MCP_STDIO_REGISTRATION === 'org_admin' || ctx.actor.isInstanceAdmin,
  };

  return (
    <div className="max-w-3xl space-y-8">
      <div>
        <Link href={base} className="text-sm text-brand-600 hover:underline">
          ← MCP servers
        </Link>
        <h1 className="mt-1 text-2xl font-semibold tracking-tight">Register MCP server</h1>
      </div>
      <section aria-labelledby="new-mcp-server-heading" className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="new-mcp-server-heading" className="mb-4 flex items-center gap-2 text-base font-semibold">
          New MCP server in {environment.name} <EnvironmentTypeBadge type={environment.type} />
        </h2>
        {canManage ? (
          <RegisterMcpServerForm
            action={createMcpServerAction.bind(null, ctx.orgId)}
            environmentId={environment.id}
            secrets={await secretOptions(ctx)}
            secretsHref={`/orgs/${ctx.orgId}/secrets`}
            stdio={stdio}
          />
        ) : (
          <p className="text-sm text-slate-600">Admins and owners register MCP servers; ask one of them.</p>
        )}
      </section>
    </div>
  );
}
