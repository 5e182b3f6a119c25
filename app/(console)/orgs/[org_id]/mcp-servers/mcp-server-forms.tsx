'use client';
import { useActionState, useState } from 'react';
import { errorsAt } from '@/components/agents/field-errors';
import { HintedInput, HintedSelect, HintedTextarea, SecretRefField } from '@/components/agents/fields';
import { submissionKey } from '@/components/agents/submission-key';
import { FormStatus } from '@/components/console/form-status';
import type { Option } from '@/components/console/select-field';
import { StdioRefusalNote } from '@/components/mcp-servers/stdio-settings-note';
import { Button } from '@/components/ui/button';
import type { ActionState, BoundFormAction } from '@/lib/auth/org-action';

const SERVER_TYPES: Option[] = [
  { value: 'http', label: 'http — a URL (Streamable HTTP)' },
  { value: 'ws', label: 'ws — a WebSocket URL' },
  { value: 'stdio', label: 'stdio — a command run on the gateway’s machine' },
];

const AUTH_METHODS: Option[] = [
  { value: 'none', label: 'None' },
  { value: 'bearer', label: 'Bearer token (from a secret)' },
];

const PRIVATE_NOTE =
  'Addresses on this machine or a private network (localhost, 10.x, 192.168.x…) are refused unless the operator sets UPSTREAM_ALLOW_PRIVATE=true; cloud metadata and link-local addresses are always refused.';

/** What this instance allows for stdio servers (operator settings), said before anyone tries. */
export interface StdioRules {
  /** The MCP_STDIO_ALLOWED_COMMANDS entries; empty: stdio is off. */
  allowedCommands: string[];
  /** MCP_STDIO_REGISTRATION. */
  registration: 'instance_admin' | 'org_admin';
  /** Whether the caller may register stdio servers under that setting. */
  mayRegister: boolean;
}

function stdioTypeHint(stdio: StdioRules): string {
  if (stdio.allowedCommands.length === 0) return 'stdio servers are turned off on this instance (MCP_STDIO_ALLOWED_COMMANDS is empty).';
  if (!stdio.mayRegister) {
    return 'On this instance only the instance administrator registers stdio servers (MCP_STDIO_REGISTRATION=instance_admin); http and ws servers are yours to register.';
  }
  return 'stdio runs an allowed command as a child process of the gateway; http and ws reach a server by URL.';
}

function RegisterFields({
  values,
  fields,
  secrets,
  secretsHref,
  stdio,
}: {
  values: Record<string, string>;
  fields?: Record<string, string[]>;
  secrets: readonly Option[] | null;
  secretsHref: string;
  stdio: StdioRules;
}) {
  // Uncontrolled (defaultValue) on purpose: React resets the form after each submission, and a
  // reset puts a select back on its default — which must be the choice these fields show.
  const [type, setType] = useState(values.server_type || 'http');
  const [auth, setAuth] = useState(values.auth_method || 'none');
  const err = (...names: string[]) => errorsAt(fields, ...names);
  const allowed = stdio.allowedCommands;
  return (
    <div className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <HintedInput
          label="Name"
          name="name"
          id="new-mcp-server-name"
          required
          maxLength={200}
          defaultValue={values.name}
          errors={err('name')}
          hint="How the console lists it, e.g. “Everything (stdio)”."
        />
        <HintedInput
          label="Slug"
          name="slug"
          id="new-mcp-server-slug"
          maxLength={128}
          spellCheck={false}
          defaultValue={values.slug}
          errors={err('slug')}
          hint="Optional: lower-case letters, digits, dashes or underscores, unique in the environment. Left empty, it is made from the name."
        />
      </div>
      <HintedSelect
        label="Type"
        name="server_type"
        id="new-mcp-server-type"
        options={SERVER_TYPES}
        defaultValue={type}
        onChange={(e) => setType(e.target.value)}
        errors={err('server_type')}
        hint={stdioTypeHint(stdio)}
      />
      {type === 'stdio' ? (
        <>
          <HintedInput
            label="Command"
            name="command"
            id="new-mcp-server-command"
            required
            spellCheck={false}
            autoComplete="off"
            placeholder="mcp-server-everything"
            defaultValue={values.command}
            errors={err('command')}
            hint={
              allowed.length ? (
                <>
                  The executable alone (a name on the server’s PATH or an absolute path); its arguments go below. It must be on this
                  instance’s MCP_STDIO_ALLOWED_COMMANDS list:{' '}
                  {allowed.map((c, i) => (
                    <span key={c}>
                      {i > 0 && ', '}
                      <code className="font-mono">{c}</code>
                    </span>
                  ))}
                  .
                </>
              ) : (
                'stdio servers are turned off on this instance: MCP_STDIO_ALLOWED_COMMANDS is empty.'
              )
            }
          />
          <HintedTextarea
            label="Arguments"
            name="args"
            id="new-mcp-server-args"
            rows={3}
            spellCheck={false}
            placeholder={'stdio'}
            defaultValue={values.args}
            errors={err('args')}
            hint="One argument per line, passed as is (no shell). For a package runner entry such as “npx @modelcontextprotocol/server-everything”, the package is the first argument. Arguments may not point at the gateway’s own files."
          />
          <HintedTextarea
            label="Environment variables"
            name="env_vars"
            id="new-mcp-server-env"
            rows={3}
            spellCheck={false}
            placeholder={'LOG_LEVEL=info\nAPI_TOKEN=secret_ref:00000000-0000-0000-0000-000000000000'}
            defaultValue={values.env_vars}
            errors={err('env_vars')}
            hint="One NAME=value per line. A value secret_ref:<uuid> is read from the organization’s secrets when the process starts. The process gets only these and a minimal PATH/HOME — never the gateway’s own environment; NODE_OPTIONS, LD_* and similar are refused."
          />
        </>
      ) : (
        <>
          <HintedInput
            label="Endpoint URL"
            name="endpoint"
            id="new-mcp-server-endpoint"
            type="url"
            required
            spellCheck={false}
            placeholder={type === 'ws' ? 'wss://mcp.example.com/ws' : 'https://mcp.example.com/mcp'}
            defaultValue={values.endpoint}
            errors={err('endpoint')}
            hint={`${type === 'ws' ? 'A ws:// or wss://' : 'An http:// or https://'} URL without credentials in it. ${PRIVATE_NOTE}`}
          />
          <div className="grid gap-4 sm:grid-cols-2">
            <HintedSelect
              label="Authentication"
              name="auth_method"
              id="new-mcp-server-auth"
              options={AUTH_METHODS}
              defaultValue={auth}
              onChange={(e) => setAuth(e.target.value)}
              errors={err('auth_method')}
              hint="Sent to the server on every request; agents never see it."
            />
            {auth === 'bearer' && (
              <SecretRefField
                label="Bearer secret"
                name="secret_ref"
                id="new-mcp-server-secret"
                secrets={secrets}
                secretsHref={secretsHref}
                defaultValue={values.secret_ref}
                errors={err('secret_ref')}
                hint="Sent as Authorization: Bearer <value>."
              />
            )}
          </div>
        </>
      )}
      <HintedTextarea
        label="Description"
        name="description"
        id="new-mcp-server-description"
        rows={2}
        maxLength={4000}
        defaultValue={values.description}
        errors={err('description')}
      />
      {err('environment_id') && <p className="text-sm text-red-600">{err('environment_id')!.join(' ')}</p>}
    </div>
  );
}

export function RegisterMcpServerForm({
  action,
  environmentId,
  secrets,
  secretsHref,
  stdio,
}: {
  action: BoundFormAction;
  environmentId: string;
  secrets: readonly Option[] | null;
  secretsHref: string;
  stdio: StdioRules;
}) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <input type="hidden" name="environment_id" value={environmentId} />
      <FormStatus state={state} />
      <StdioRefusalNote message={state.message} />
      <RegisterFields
        key={submissionKey(state)}
        values={state.values ?? {}}
        fields={state.fields}
        secrets={secrets}
        secretsHref={secretsHref}
        stdio={stdio}
      />
      <Button type="submit" disabled={pending}>
        {pending ? 'Registering…' : 'Register MCP server'}
      </Button>
    </form>
  );
}

/** "Create a connection through this server": the connection takes its transport from the registration. */
export function ConnectionThroughServerForm({ action, serverId, suggestedName }: { action: BoundFormAction; serverId: string; suggestedName: string }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  const v = state.values ?? {};
  return (
    <form action={formAction} className="space-y-3" noValidate>
      <input type="hidden" name="mcp_server_id" value={serverId} />
      <FormStatus state={state} />
      <div key={submissionKey(state)} className="max-w-md">
        <HintedInput
          label="Connection name"
          name="name"
          id={`mcp-server-${serverId}-connection-name`}
          required
          maxLength={128}
          spellCheck={false}
          defaultValue={v.name ?? suggestedName}
          errors={errorsAt(state.fields, 'name', 'mcp_server_registration_id', 'endpoint')}
          hint="Letters, digits, dots, dashes or underscores; policies name its tools tool:<connection>/<tool>."
        />
      </div>
      <Button type="submit" disabled={pending}>
        {pending ? 'Creating…' : 'Create connection'}
      </Button>
    </form>
  );
}
