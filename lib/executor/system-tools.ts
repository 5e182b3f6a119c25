// Built-in tools, run in-process through the same pipeline as any upstream tool: the same policy
// decision (target `tool:system/<name>`), input validation, rate limit, run record and audit.
// Read-only: they tell an agent about itself, never about anything it could not see otherwise.
// The connection name `system` is reserved (lib/connections/schemas.ts) so the targets are theirs.
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { runs } from '@/db/schema';
import { effectivePermissions } from '@/lib/policy/evaluate';

export const SYSTEM_CONNECTION = 'system';

export interface SystemCallContext {
  db: Db;
  orgId: string;
  agentId: string;
  signal?: AbortSignal;
}

export interface SystemToolResult {
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface SystemTool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  run(ctx: SystemCallContext, input: Record<string, unknown>): Promise<SystemToolResult>;
}

const json = (value: Record<string, unknown>): SystemToolResult => ({
  content: [{ type: 'text', text: JSON.stringify(value, null, 2) }],
  structuredContent: value,
});

const SYSTEM_TOOLS: SystemTool[] = [
  {
    name: 'echo',
    description: 'Returns the text it is given. Useful to check that calls reach the gateway.',
    inputSchema: {
      type: 'object',
      properties: { text: { type: 'string', maxLength: 10_000, description: 'Text to return' } },
      required: ['text'],
      additionalProperties: false,
    },
    run: async (_ctx, input) => ({ content: [{ type: 'text', text: String(input.text) }] }),
  },
  {
    name: 'current_time',
    description: 'The current date and time, in UTC and optionally in an IANA time zone.',
    inputSchema: {
      type: 'object',
      properties: { timezone: { type: 'string', maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin' } },
      additionalProperties: false,
    },
    run: async (_ctx, input) => {
      const now = new Date();
      const timezone = typeof input.timezone === 'string' ? input.timezone : undefined;
      let local: string | undefined;
      if (timezone) {
        try {
          local = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, dateStyle: 'short', timeStyle: 'long', hourCycle: 'h23' }).format(now);
        } catch {
          return { content: [{ type: 'text', text: `Unknown time zone: ${timezone}` }], isError: true };
        }
      }
      return json({ utc: now.toISOString(), unix_ms: now.getTime(), ...(timezone ? { timezone, local } : {}) });
    },
  },
  {
    name: 'my_tools',
    description: 'The tools this agent may call right now (those tools/list shows it), with their targets.',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    run: async (ctx) => {
      const permissions = await effectivePermissions({ db: ctx.db, orgId: ctx.orgId }, ctx.agentId);
      const visible = permissions.tools
        .filter((t) => t.visible)
        .map((t) => ({ name: t.name, connection: t.connection.name, target: t.target, description: t.description }));
      return json({ tools: visible, count: visible.length, system_tools: SYSTEM_TOOLS.map((t) => t.name) });
    },
  },
  {
    name: 'my_recent_runs',
    description: "This agent's most recent tool runs: what ran, when, and how it ended.",
    inputSchema: {
      type: 'object',
      properties: { limit: { type: 'integer', minimum: 1, maximum: 50, default: 10 } },
      additionalProperties: false,
    },
    run: async (ctx, input) => {
      const limit = typeof input.limit === 'number' ? input.limit : 10;
      const rows = await ctx.db
        .select({ id: runs.id, target: runs.target, status: runs.status, errorText: runs.errorText, durationMs: runs.durationMs, createdAt: runs.createdAt })
        .from(runs)
        .where(and(eq(runs.organizationId, ctx.orgId), eq(runs.agentId, ctx.agentId)))
        .orderBy(desc(runs.createdAt), desc(runs.id))
        .limit(limit);
      const list = rows.map((r) => ({
        run_id: r.id,
        target: r.target,
        status: r.status,
        error: r.errorText,
        duration_ms: r.durationMs,
        created_at: r.createdAt.toISOString(),
      }));
      return json({ runs: list, count: list.length });
    },
  },
];

const BY_NAME = new Map(SYSTEM_TOOLS.map((t) => [t.name, t]));

export const systemTool = (name: string): SystemTool | null => BY_NAME.get(name) ?? null;
export const systemTools = (): readonly SystemTool[] => SYSTEM_TOOLS;
