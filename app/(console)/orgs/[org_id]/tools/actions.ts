'use server';
// Tool changes from the console: members switch tools on and off; only admins approve a
// definition a sync held back (tool.approve), naming the hash they reviewed.
import { z } from 'zod';
import { orgAction } from '@/lib/auth/org-action';
import { approveToolSchema } from '@/lib/tools/schemas';
import { approveTool, updateTool } from '@/lib/tools/service';

export const setToolEnabledAction = orgAction(
  'tool.manage',
  z.strictObject({ tool_id: z.string(), enabled: z.enum(['true', 'false']).transform((v) => v === 'true') }),
  (ctx, { tool_id, enabled }) => updateTool(ctx, tool_id, { enabled }),
  {
    ok: (t) =>
      t.enabled ? `Tool ${t.name} is enabled: policies decide who may call it.` : `Tool ${t.name} is disabled: every call is refused.`,
  },
);

export const approveToolAction = orgAction(
  'tool.approve',
  approveToolSchema.extend({ tool_id: z.string() }),
  (ctx, { tool_id, ...input }) => approveTool(ctx, tool_id, input),
  { ok: (t) => `The new definition of ${t.name} is approved; it runs with it from now on.` },
);
