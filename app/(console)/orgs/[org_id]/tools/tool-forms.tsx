'use client';
import { useActionState } from 'react';
import { FormStatus } from '@/components/console/form-status';
import { Button } from '@/components/ui/button';
import type { ActionState, BoundFormAction } from '@/lib/auth/org-action';

/** Approves exactly the pending definition shown (its hash): a newer one is refused, not approved blind. */
export function ApproveToolForm({ action, toolId, definitionHash }: { action: BoundFormAction; toolId: string; definitionHash: string | null }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  return (
    <form action={formAction} className="space-y-3">
      <input type="hidden" name="tool_id" value={toolId} />
      {definitionHash && <input type="hidden" name="definition_hash" value={definitionHash} />}
      <FormStatus state={state} />
      <Button type="submit" disabled={pending}>
        {pending ? 'Approving…' : 'Approve new definition'}
      </Button>
    </form>
  );
}
