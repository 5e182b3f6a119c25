'use client';
import { useActionState } from 'react';
import { FormStatus } from '@/components/console/form-status';
import { SelectField, type Option } from '@/components/console/select-field';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import type { ActionState, BoundFormAction } from '@/lib/auth/org-action';

export function InviteMemberForm({ action, roles }: { action: BoundFormAction; roles: readonly Option[] }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  return (
    <form action={formAction} className="space-y-3" noValidate>
      <FormStatus state={state} />
      <div className="grid items-end gap-3 sm:grid-cols-[1fr_10rem_auto]">
        <Field label="Email" name="email" id="invite-email" type="email" required defaultValue={state.values?.email} errors={state.fields?.email} />
        <SelectField
          label="Role"
          name="role"
          id="invite-role"
          options={roles}
          defaultValue={state.values?.role ?? 'member'}
          errors={state.fields?.role}
        />
        <Button type="submit" disabled={pending}>
          {pending ? 'Inviting…' : 'Invite'}
        </Button>
      </div>
    </form>
  );
}

/** The role of one member or invitation; errors (the last owner, say) show in its row. */
export function MemberRoleForm({
  member,
  action,
  roles,
}: {
  member: { id: string; email: string; role: string };
  action: BoundFormAction;
  roles: readonly Option[];
}) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  return (
    <form action={formAction} className="space-y-2">
      <input type="hidden" name="member_id" value={member.id} />
      <div className="flex items-center gap-2">
        {/* Keyed by the saved role so a refused change shows the role that stayed. */}
        <SelectField
          key={member.role}
          label={`Role of ${member.email}`}
          name="role"
          id={`role-${member.id}`}
          options={roles}
          defaultValue={member.role}
          hideLabel
        />
        <Button type="submit" variant="secondary" disabled={pending} className="px-3! py-1!" aria-label={`Save role of ${member.email}`}>
          Save
        </Button>
      </div>
      <FormStatus state={state} />
    </form>
  );
}

/** Removes a member (or the caller: leaving) or cancels an invitation, after a second click. */
export function RemoveMemberForm({
  member,
  action,
  isSelf,
}: {
  member: { id: string; email: string; status: 'active' | 'invited' };
  action: BoundFormAction;
  isSelf: boolean;
}) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  const [open, confirm, consequence] =
    member.status === 'invited'
      ? ['Cancel invitation', `Cancel the invitation of ${member.email}`, 'The invitation stops working.']
      : isSelf
        ? ['Leave', 'Leave organization', 'You will lose access to this organization.']
        : ['Remove', `Remove ${member.email}`, `${member.email} will lose access to this organization.`];
  return (
    <details open={state.message ? true : undefined}>
      <summary className="inline-flex cursor-pointer list-none rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100">
        {open}
        <span className="sr-only"> {member.email}</span>
      </summary>
      <form action={formAction} className="mt-2 space-y-2">
        <input type="hidden" name="member_id" value={member.id} />
        <FormStatus state={state} />
        <p className="text-sm text-slate-700">{consequence}</p>
        <button
          type="submit"
          disabled={pending}
          className="rounded-md bg-red-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-700 disabled:opacity-60"
        >
          {confirm}
        </button>
      </form>
    </details>
  );
}
