// Request bodies and filters of the runs endpoints (API-NOTES "Execution").
import { z } from 'zod';
import { RUN_STATUSES } from '@/db/schema';

/** POST /orgs/{org_id}/runs/execute/ — `agent_identifier` is the earlier implementation's name for agent_id. */
export const executeSchema = z
  .strictObject({
    tool_identifier: z
      .string()
      .trim()
      .min(1, 'Required')
      .max(300)
      .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'No control characters'),
    input_data: z.record(z.string(), z.unknown()).default({}),
    agent_id: z.uuid('Must be an agent id').optional(),
    agent_identifier: z.uuid('Must be an agent id').optional(),
    timeout_seconds: z.number('Must be a number of seconds').positive('Must be more than 0').max(3600).optional(),
  })
  .refine((b) => !(b.agent_id && b.agent_identifier && b.agent_id !== b.agent_identifier), {
    message: 'agent_id and agent_identifier name different agents',
    path: ['agent_identifier'],
  });

export type ExecuteInput = z.output<typeof executeSchema>;

export const runFiltersSchema = z.object({
  status: z.enum(RUN_STATUSES).optional(),
  /** The environment the run's agent was in when it ran (the console lists one environment at a time). */
  environment_id: z.uuid().optional(),
  agent_id: z.uuid().optional(),
  tool_id: z.uuid().optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  cursor: z.string().max(200).optional(),
  page_size: z.coerce.number().int().min(1).max(200).default(50),
});

export type RunFilters = z.output<typeof runFiltersSchema>;
