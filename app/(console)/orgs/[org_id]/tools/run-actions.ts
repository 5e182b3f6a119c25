'use server';
// Running a tool from its page: a member (run.execute) runs it as one of the environment's agents,
// through the same pipeline as REST and MCP (lib/executor). The decision is the agent's; the run
// records both identities. Whatever happens — an answer, a refusal, a failed call — the form
// shows it with a link to the run's timeline.
import { AppError } from '@/lib/api/errors';
import { orgAction, type ActionInput, type ActionState } from '@/lib/auth/org-action';
import { executeTool, type ExecuteResult } from '@/lib/executor/execute';
import { runToolForm } from './run-form-schema';

export type RunOutcome =
  | { kind: 'result'; result: ExecuteResult }
  | {
      kind: 'refused';
      runId: string;
      code: string;
      message: string;
      /** A policy denial's reason. */
      reason?: string;
      /** Input errors by field (input_data.<path>). */
      fields?: Record<string, string[]>;
    };

export interface RunToolState extends ActionState {
  outcome?: RunOutcome;
}

export async function runToolAction(orgId: string, prev: RunToolState, input: ActionInput): Promise<RunToolState> {
  let outcome: RunOutcome | undefined;
  const run = orgAction('run.execute', runToolForm, async (ctx, form) => {
    try {
      const result = await executeTool(ctx, {
        agentId: form.agent_id,
        toolIdentifier: form.tool_id,
        input: form.input_data,
        timeoutSeconds: form.timeout_seconds,
        via: 'console',
        actingUserId: ctx.actor.userId,
      });
      outcome = { kind: 'result', result };
    } catch (error) {
      // A refusal or failed call is an answer, with its run: shown, not thrown. Anything without
      // a run (an agent of another organization, say) is the form's error as usual.
      const runId = error instanceof AppError ? error.details.run_id : undefined;
      if (!(error instanceof AppError) || typeof runId !== 'string') throw error;
      const fields = error.details.fields as Record<string, string[]> | undefined;
      const reason = error.details.reason;
      outcome = {
        kind: 'refused',
        runId,
        code: error.code,
        message: error.message,
        ...(typeof reason === 'string' ? { reason } : {}),
        ...(fields ? { fields } : {}),
      };
    }
    return outcome;
  });
  const state = await run(orgId, prev, input);
  const values = textValues(input);
  if (!outcome) return { ...state, values };
  return { ...state, outcome, values, ...(outcome.kind === 'refused' && outcome.fields ? { fields: outcome.fields } : {}) };
}

function textValues(input: ActionInput): Record<string, string> {
  const entries = input instanceof FormData ? [...input.entries()] : Object.entries(input ?? {});
  return Object.fromEntries(entries.filter((e): e is [string, string] => typeof e[1] === 'string' && !e[0].startsWith('$ACTION')));
}
