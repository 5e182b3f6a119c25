'use client';
// The fields of an agent, shared by the create and edit forms, with every rule the server checks
// explained next to the field it concerns. Mode and inbound auth decide which other fields matter;
// the others stay in the form (hidden) so switching back and forth loses nothing.
import { useRef, useState } from 'react';
import type { Option } from '@/components/console/select-field';
import { errorsAt } from './field-errors';
import { HintedInput, HintedSelect, HintedTextarea, SecretRefField } from './fields';

export type AgentMode = 'RUNNER' | 'CALLER';
export type InboundAuthMethod = 'NONE' | 'BEARER' | 'MTLS';

/** What the fields show: an agent's values as text, or the submitted text after a refusal. */
export interface AgentFieldValues {
  name: string;
  slug: string;
  description: string;
  mode: string;
  connection_id: string;
  inbound_auth_method: string;
  bearer_secret_ref: string;
  mtls_cert_ref: string;
  mtls_key_ref: string;
  capabilities: string;
  tags: string;
}

export const NEW_AGENT_VALUES: AgentFieldValues = {
  name: '',
  slug: '',
  description: '',
  // RUNNER needs a connection; CALLER works on its own, so a new agent starts as one.
  mode: 'CALLER',
  connection_id: '',
  inbound_auth_method: 'NONE',
  bearer_secret_ref: '',
  mtls_cert_ref: '',
  mtls_key_ref: '',
  capabilities: '',
  tags: '',
};

const MODES: Option[] = [
  { value: 'CALLER', label: 'CALLER — calls tools through the gateway' },
  { value: 'RUNNER', label: 'RUNNER — runs on a connection' },
];

const METHODS: Option[] = [
  { value: 'NONE', label: 'NONE — platform tokens only' },
  { value: 'BEARER', label: 'BEARER — also a static bearer secret' },
  { value: 'MTLS', label: 'MTLS — also a client certificate' },
];

const METHOD_HINTS: Record<InboundAuthMethod, string> = {
  NONE: 'The agent authenticates with platform tokens only (issued on its page). The narrowest choice.',
  BEARER:
    'Besides platform tokens, the agent may send a static bearer secret (with the X-Agent-Id header). BEARER needs the bearer secret chosen below.',
  MTLS: 'Besides platform tokens, the agent may present a client certificate that your TLS terminator passes on. MTLS needs a certificate ref and a key ref below.',
};

/** The submitted text if there is one, else the starting values. */
export function fieldValues(start: AgentFieldValues, submitted?: Record<string, string>): AgentFieldValues {
  if (!submitted) return start;
  const pick = (k: keyof AgentFieldValues) => submitted[k] ?? start[k];
  return Object.fromEntries(Object.keys(start).map((k) => [k, pick(k as keyof AgentFieldValues)])) as unknown as AgentFieldValues;
}

export function AgentFields({
  idPrefix,
  values,
  fields,
  secrets,
  connections,
  secretsHref,
  isNew,
}: {
  idPrefix: string;
  values: AgentFieldValues;
  /** The server's messages per field. */
  fields?: Record<string, string[]>;
  secrets: readonly Option[] | null;
  /** Connections of the agent's environment. */
  connections: readonly Option[];
  secretsHref: string;
  isNew: boolean;
}) {
  const [mode, setMode] = useState(values.mode);
  const [method, setMethod] = useState(values.inbound_auth_method as InboundAuthMethod);
  const modeRef = useRef<HTMLSelectElement>(null);
  const id = (name: string) => `${idPrefix}-${name.replace(/_/g, '-')}`;
  const err = (...names: string[]) => errorsAt(fields, ...names);
  const connectionErrors = err('connection_id');
  const noConnections = connections.length === 0;

  return (
    <div className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <HintedInput
          label="Name"
          name="name"
          id={id('name')}
          required
          maxLength={128}
          defaultValue={values.name}
          errors={err('name')}
          hint="Unique in this environment."
        />
        <HintedInput
          label={isNew ? 'Slug (optional)' : 'Slug'}
          name="slug"
          id={id('slug')}
          required={!isNew}
          maxLength={64}
          spellCheck={false}
          defaultValue={values.slug}
          errors={err('slug')}
          hint={
            isNew
              ? 'Leave empty to derive it from the name. Letters, digits, - and _; unique in this environment, ignoring case.'
              : 'Letters, digits, - and _; unique in this environment, ignoring case. Clients may have stored it: changing it can break them.'
          }
        />
      </div>

      <HintedTextarea
        label="Description (optional)"
        name="description"
        id={id('description')}
        rows={2}
        maxLength={2000}
        defaultValue={values.description}
        errors={err('description')}
      />

      <div className="grid gap-4 sm:grid-cols-2">
        <div className="space-y-2">
          <HintedSelect
            ref={modeRef}
            label="Mode"
            name="mode"
            id={id('mode')}
            options={MODES}
            defaultValue={values.mode}
            onChange={(e) => setMode(e.currentTarget.value)}
            errors={err('mode')}
            hint={
              mode === 'RUNNER'
                ? 'A RUNNER runs tools on a connection (an upstream MCP server) and needs one.'
                : 'A CALLER calls tools through the gateway with its platform token and needs nothing else.'
            }
          />
        </div>
        <div className="space-y-2" hidden={mode !== 'RUNNER' && !connectionErrors}>
          <HintedSelect
            label="Connection"
            name="connection_id"
            id={id('connection-id')}
            options={[{ value: '', label: noConnections ? '— no connections in this environment —' : '— choose a connection —' }, ...connections]}
            defaultValue={values.connection_id}
            errors={connectionErrors}
            hint={
              noConnections
                ? 'RUNNER agents need a connection in their environment. Connections can be created once connections exist in AgentxSuite (a later release); until then, create a CALLER agent.'
                : 'Required for RUNNER: the connection it runs on, in the same environment.'
            }
          />
          {noConnections && mode === 'RUNNER' && (
            <button
              type="button"
              className="text-sm font-medium text-brand-600 hover:underline"
              onClick={() => {
                if (modeRef.current) modeRef.current.value = 'CALLER';
                setMode('CALLER');
              }}
            >
              Use CALLER instead
            </button>
          )}
        </div>
      </div>

      <HintedSelect
        label="Inbound auth"
        name="inbound_auth_method"
        id={id('inbound-auth-method')}
        options={METHODS}
        defaultValue={values.inbound_auth_method}
        onChange={(e) => setMethod(e.currentTarget.value as InboundAuthMethod)}
        errors={err('inbound_auth_method')}
        hint={METHOD_HINTS[method] ?? METHOD_HINTS.NONE}
      />

      <SecretRefField
        label="Bearer secret"
        name="bearer_secret_ref"
        id={id('bearer-secret-ref')}
        secrets={secrets}
        secretsHref={secretsHref}
        defaultValue={values.bearer_secret_ref}
        errors={err('bearer_secret_ref', 'inbound_secret_ref')}
        hiddenRow={method !== 'BEARER' && !err('bearer_secret_ref')}
        hint="Required for BEARER: the secret the agent sends as its bearer token."
      />
      <div className="grid gap-4 sm:grid-cols-2" hidden={method !== 'MTLS' && !err('mtls_cert_ref', 'mtls_key_ref')}>
        <SecretRefField
          label="Client certificate"
          name="mtls_cert_ref"
          id={id('mtls-cert-ref')}
          secrets={secrets}
          secretsHref={secretsHref}
          defaultValue={values.mtls_cert_ref}
          errors={err('mtls_cert_ref')}
          hint="Required for MTLS: the certificate (PEM) the agent's client certificate must match."
        />
        <SecretRefField
          label="Client key"
          name="mtls_key_ref"
          id={id('mtls-key-ref')}
          secrets={secrets}
          secretsHref={secretsHref}
          defaultValue={values.mtls_key_ref}
          errors={err('mtls_key_ref')}
          hint="Required for MTLS: the private key (PEM) for the agent's own mTLS to upstreams."
        />
      </div>

      <HintedTextarea
        label="Capabilities (JSON)"
        name="capabilities"
        id={id('capabilities')}
        rows={4}
        spellCheck={false}
        className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-xs shadow-sm focus:border-brand-600 aria-invalid:border-red-500"
        defaultValue={values.capabilities}
        errors={err('capabilities')}
        placeholder='{"tools": ["search"]}'
        hint="A JSON object describing what the agent can do. Empty means {}."
      />

      <HintedInput
        label="Tags"
        name="tags"
        id={id('tags')}
        defaultValue={values.tags}
        errors={err('tags')}
        placeholder="support, eu"
        hint="Comma-separated. At most 50, each up to 64 characters."
      />
    </div>
  );
}
