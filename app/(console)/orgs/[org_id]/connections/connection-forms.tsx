'use client';
import Link from 'next/link';
import { useActionState, useState } from 'react';
import { errorsAt } from '@/components/agents/field-errors';
import { HintedInput, HintedSelect, SecretRefField } from '@/components/agents/fields';
import { submissionKey } from '@/components/agents/submission-key';
import { FormStatus } from '@/components/console/form-status';
import type { Option } from '@/components/console/select-field';
import { Button } from '@/components/ui/button';
import type { ActionState, BoundFormAction } from '@/lib/auth/org-action';

const TRANSPORTS: Option[] = [
  { value: '', label: 'Auto (from the URL)' },
  { value: 'streamable_http', label: 'Streamable HTTP' },
  { value: 'sse', label: 'HTTP + SSE (legacy)' },
  { value: 'websocket', label: 'WebSocket' },
];

const AUTH_METHODS: Option[] = [
  { value: 'none', label: 'None' },
  { value: 'bearer', label: 'Bearer token (from a secret)' },
];

const PRIVATE_NOTE =
  'Addresses on this machine or a private network (localhost, 10.x, 192.168.x…) are refused unless the operator sets UPSTREAM_ALLOW_PRIVATE=true; cloud metadata and link-local addresses are always refused.';

interface AuthChoices {
  /** Secrets to choose from, or null when the caller may not attach credentials (admins only). */
  secrets: readonly Option[] | null;
  secretsHref: string;
}

function AuthFields({
  idPrefix,
  values,
  fields,
  secrets,
  secretsHref,
}: AuthChoices & { idPrefix: string; values: Record<string, string>; fields?: Record<string, string[]> }) {
  const [method, setMethod] = useState(values.auth_method || 'none');
  if (!secrets) {
    return (
      <p className="text-sm text-slate-600">
        Authentication: {values.auth_method === 'bearer' ? 'bearer token from a secret' : 'none'}. Only admins and owners attach
        credentials to a connection.
      </p>
    );
  }
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <HintedSelect
        label="Authentication"
        name="auth_method"
        id={`${idPrefix}-auth`}
        options={AUTH_METHODS}
        defaultValue={method}
        onChange={(e) => setMethod(e.target.value)}
        errors={errorsAt(fields, 'auth_method')}
        hint="Sent to the upstream server on every request; agents never see it."
      />
      {method === 'bearer' && (
        <SecretRefField
          label="Bearer secret"
          name="secret_ref"
          id={`${idPrefix}-secret`}
          secrets={secrets}
          secretsHref={secretsHref}
          defaultValue={values.secret_ref}
          errors={errorsAt(fields, 'secret_ref')}
          hint="Sent as Authorization: Bearer <value>."
        />
      )}
    </div>
  );
}

export function CreateConnectionForm({
  action,
  environmentId,
  registrations,
  registerHref,
  ...auth
}: AuthChoices & {
  action: BoundFormAction;
  environmentId: string;
  /** This environment's MCP server registrations (id → label). */
  registrations: readonly Option[];
  /** Where to register one, or null when the caller may not (admins only). */
  registerHref: string | null;
}) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <input type="hidden" name="environment_id" value={environmentId} />
      <FormStatus state={state} />
      <CreateConnectionFields
        key={submissionKey(state)}
        values={state.values ?? {}}
        fields={state.fields}
        registrations={registrations}
        registerHref={registerHref}
        {...auth}
      />
      <Button type="submit" disabled={pending}>
        {pending ? 'Creating…' : 'Create connection'}
      </Button>
    </form>
  );
}

function CreateConnectionFields({
  values: v,
  fields,
  registrations,
  registerHref,
  ...auth
}: AuthChoices & {
  values: Record<string, string>;
  fields?: Record<string, string[]>;
  registrations: readonly Option[];
  registerHref: string | null;
}) {
  // Inputs stay uncontrolled (default values): React resets the form after each submission, and the
  // reset must land on the choice these fields show.
  const [reach, setReach] = useState(v.reach === 'registration' ? 'registration' : 'url');
  const err = (...names: string[]) => errorsAt(fields, ...names);
  const radio = 'h-4 w-4 border-slate-300 text-brand-600';
  return (
    <div className="space-y-4">
      <HintedInput
        label="Name"
        name="name"
        id="new-connection-name"
        required
        maxLength={128}
        spellCheck={false}
        defaultValue={v.name}
        errors={err('name')}
        hint="Letters, digits, dots, dashes or underscores; policies name tools as tool:<connection>/<tool>, so pick it with care."
      />
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-700">How the gateway reaches the server</legend>
        <label className="flex items-center gap-2 text-sm">
          <input type="radio" name="reach" value="url" className={radio} defaultChecked={reach === 'url'} onChange={() => setReach('url')} />
          Reach it by URL
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input
            type="radio"
            name="reach"
            value="registration"
            className={radio}
            defaultChecked={reach === 'registration'}
            onChange={() => setReach('registration')}
          />
          Through a registered MCP server
        </label>
        {err('reach') && <p className="text-sm text-red-600">{err('reach')!.join(' ')}</p>}
      </fieldset>
      {reach === 'url' ? (
        <>
          <HintedInput
            label="Endpoint URL"
            name="endpoint"
            id="new-connection-endpoint"
            type="url"
            required
            placeholder="https://mcp.example.com/mcp"
            spellCheck={false}
            defaultValue={v.endpoint}
            errors={err('endpoint')}
            hint={`An http(s):// or ws(s):// URL of the MCP server, without credentials in it. ${PRIVATE_NOTE}`}
          />
          <HintedSelect
            label="Transport"
            name="transport"
            id="new-connection-transport"
            options={TRANSPORTS}
            defaultValue={v.transport ?? ''}
            errors={err('transport')}
            hint="Auto picks WebSocket for ws(s):// URLs and Streamable HTTP otherwise."
          />
          <AuthFields idPrefix="new-connection" values={v} fields={fields} {...auth} />
        </>
      ) : registrations.length === 0 ? (
        <p className="rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900" data-testid="no-registrations">
          This environment has no registered MCP server yet.{' '}
          {registerHref ? (
            <Link href={registerHref} className="font-medium text-brand-600 hover:underline">
              Register one
            </Link>
          ) : (
            'Admins and owners register them'
          )}{' '}
          — a stdio command or an http/ws URL — then come back, or reach the server by URL.
        </p>
      ) : (
        <HintedSelect
          label="MCP server"
          name="mcp_server_registration_id"
          id="new-connection-registration"
          options={[{ value: '', label: '— choose a registered server —' }, ...registrations]}
          defaultValue={v.mcp_server_registration_id ?? ''}
          errors={err('mcp_server_registration_id', 'endpoint')}
          hint="No endpoint needed: the registration says how the server is reached (its stdio command or URL) and with which credentials; the transport follows from its type."
        />
      )}
      {err('environment_id') && <p className="text-sm text-red-600">{err('environment_id')!.join(' ')}</p>}
    </div>
  );
}

export interface ConnectionFieldValues {
  name: string;
  endpoint: string;
  transport: string;
  auth_method: string;
  secret_ref: string;
}

export function EditConnectionForm({
  action,
  connectionId,
  values,
  canMoveEndpoint,
  hasRegistration,
  ...auth
}: AuthChoices & {
  action: BoundFormAction;
  connectionId: string;
  values: ConnectionFieldValues;
  /** Admins only: pointing a connection elsewhere could send its traffic anywhere. */
  canMoveEndpoint: boolean;
  /** Reached through an MCP server registration rather than a URL. */
  hasRegistration: boolean;
}) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  const v: Record<string, string> = { ...values, ...state.values };
  const err = (...names: string[]) => errorsAt(state.fields, ...names);
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <input type="hidden" name="connection_id" value={connectionId} />
      <FormStatus state={state} />
      <div key={submissionKey(state)} className="space-y-4">
        <HintedInput
          label="Name"
          name="name"
          id={`connection-${connectionId}-name`}
          required
          maxLength={128}
          spellCheck={false}
          defaultValue={v.name}
          errors={err('name')}
          hint="Renaming changes the policy targets of its tools (tool:<connection>/<tool>)."
        />
        {!hasRegistration && (
          <HintedInput
            label="Endpoint URL"
            name="endpoint"
            id={`connection-${connectionId}-endpoint`}
            type="url"
            spellCheck={false}
            defaultValue={v.endpoint}
            disabled={!canMoveEndpoint}
            errors={err('endpoint')}
            hint={
              canMoveEndpoint
                ? `A new endpoint detaches the connection's credentials (set them again below) and resets its status. ${PRIVATE_NOTE}`
                : 'Only admins and owners change where a connection points.'
            }
          />
        )}
        <HintedSelect
          label="Transport"
          name="transport"
          id={`connection-${connectionId}-transport`}
          options={hasRegistration ? [{ value: '', label: 'From the registration' }, ...TRANSPORTS.slice(1)] : TRANSPORTS}
          defaultValue={v.transport}
          errors={err('transport')}
        />
        <AuthFields idPrefix={`connection-${connectionId}`} values={v} fields={state.fields} {...auth} />
      </div>
      <Button type="submit" disabled={pending}>
        {pending ? 'Saving…' : 'Save connection'}
      </Button>
    </form>
  );
}
