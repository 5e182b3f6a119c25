// The outcome of a console form's last submission: a refusal (alert) or a confirmation (status).
import { Alert } from '@/components/ui/alert';
import type { ActionState } from '@/lib/auth/org-action';

export function FormStatus({ state }: { state: ActionState }) {
  if (state.message) return <Alert>{state.message}</Alert>;
  if (state.ok) return <Alert tone="info">{state.ok}</Alert>;
  return null;
}
