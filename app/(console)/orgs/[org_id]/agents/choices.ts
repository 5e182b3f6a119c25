// What the agent and service-account forms offer to choose from. Read-only, always inside the
// caller's organization; secrets only for those allowed to list them (admins, as in REST).
import type { Option } from '@/components/console/select-field';
import { can } from '@/lib/auth/rbac';
import { listConnections } from '@/lib/connections/service';
import { env } from '@/lib/env';
import { listSecrets } from '@/lib/secrets/service';
import type { OrgCtx } from '@/lib/tenancy/access';

const LIST_LIMIT = 200;

/** The organization's secrets as options (names and refs only), or null when the caller may not list them. */
export async function secretOptions(ctx: OrgCtx): Promise<Option[] | null> {
  if (!can(ctx.role, 'secret.manage')) return null;
  const { results } = await listSecrets(ctx, { page: 1, pageSize: LIST_LIMIT, offset: 0 });
  return results.map((s) => ({ value: s.secret_ref, label: `${s.name ?? '(unnamed)'} · ${s.secret_ref.slice(0, 8)}…` }));
}

/** Connections of one environment, for a RUNNER agent. */
export async function connectionOptions(ctx: OrgCtx, environmentId: string): Promise<Option[]> {
  const { results } = await listConnections(ctx, { environment_id: environmentId }, { page: 1, pageSize: LIST_LIMIT, offset: 0 });
  return results.map((c) => ({ value: c.id, label: c.name }));
}

const DAY = 86_400;
const LIFETIMES: { seconds: number; label: string }[] = [
  { seconds: 3600, label: '1 hour' },
  { seconds: DAY, label: '1 day' },
  { seconds: 7 * DAY, label: '7 days' },
  { seconds: 30 * DAY, label: '30 days' },
  { seconds: 90 * DAY, label: '90 days' },
  { seconds: 365 * DAY, label: '1 year' },
];

function describe(seconds: number): string {
  return LIFETIMES.find((l) => l.seconds === seconds)?.label ?? (seconds % DAY === 0 ? `${seconds / DAY} days` : `${seconds} seconds`);
}

/** Token lifetimes up to the configured cap, the configured default preselected. */
export function tokenLifetimes(): { options: Option[]; defaultValue: string; max: string } {
  const { AGENT_TOKEN_TTL_SECONDS: fallback, AGENT_TOKEN_MAX_TTL_SECONDS: cap } = env();
  const seconds = [...new Set([...LIFETIMES.map((l) => l.seconds).filter((s) => s <= cap), fallback])].sort((a, b) => a - b);
  return {
    options: seconds.map((s) => ({ value: String(s), label: s === fallback ? `${describe(s)} (default)` : describe(s) })),
    defaultValue: String(fallback),
    max: describe(cap),
  };
}
