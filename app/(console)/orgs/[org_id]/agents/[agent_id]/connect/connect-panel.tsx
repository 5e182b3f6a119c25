'use client';
// The token and the configs. A token issued here (scope mcp) exists only in this component's state:
// it fills the configs below and is shown once; "Done, I copied it" drops it and the configs go
// back to the placeholder. Tokens issued earlier are not stored in clear, so they never appear.
import { useActionState, useState } from 'react';
import { HintedInput, HintedSelect } from '@/components/agents/fields';
import { errorsAt } from '@/components/agents/field-errors';
import {
  claudeDesktopConfig,
  genericClientConfig,
  inspectorCommand,
  TOKEN_PLACEHOLDER,
  type ClientConfigInput,
} from '@/components/agents/client-configs';
import { CopySnippet } from '@/components/agents/copy-snippet';
import { OneTimeToken } from '@/components/agents/one-time-token';
import { SCOPE_FIELD_PREFIX } from '@/components/agents/scope-checkboxes';
import { submissionKey } from '@/components/agents/submission-key';
import { FormStatus } from '@/components/console/form-status';
import type { Option } from '@/components/console/select-field';
import { Button } from '@/components/ui/button';
import type { IssuedTokenState } from '../../actions';

type TokenAction = (prev: IssuedTokenState, input: FormData) => Promise<IssuedTokenState>;

export interface IssueOptions {
  action: TokenAction;
  lifetimes: readonly Option[];
  defaultLifetime: string;
}

interface PanelProps {
  agentId: string;
  config: Omit<ClientConfigInput, 'token'>;
  /** How to issue a token here, or why none can be issued. */
  issue: IssueOptions | { obstacle: string };
  bridgeExists: boolean;
}

/** "Done" remounts the panel, which drops the token for good. */
export function ConnectPanel(props: PanelProps) {
  const [round, setRound] = useState(0);
  return <ConnectPanelRound key={round} {...props} onDone={() => setRound((r) => r + 1)} />;
}

const nothingToIssue: TokenAction = async (prev) => prev;

function ConnectPanelRound({ agentId, config, issue, bridgeExists, onDone }: PanelProps & { onDone: () => void }) {
  const [state, formAction, pending] = useActionState<IssuedTokenState, FormData>('action' in issue ? issue.action : nothingToIssue, {});
  const issued = state.issued;
  const input: ClientConfigInput = { ...config, token: issued?.token ?? null };
  return (
    <div className="space-y-8">
      <section aria-labelledby="connect-token-heading" className="space-y-3 rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="connect-token-heading" className="text-base font-semibold">
          1. A token for the client
        </h2>
        <p className="text-sm text-slate-600">
          Clients send an agent token with the <code className="font-mono text-xs">mcp</code> scope as{' '}
          <code className="font-mono text-xs">Authorization: Bearer …</code>. Issue one here and the configs below are filled in
          with it. <strong>It is shown once</strong>: AgentxSuite keeps only its id, so a token issued earlier can never be
          shown again — the configs then hold <code className="font-mono text-xs">{TOKEN_PLACEHOLDER}</code>.
        </p>
        {issued ? (
          <OneTimeToken issued={issued} title="Token issued: the configs below now contain it" onDone={onDone}>
            <p className="text-sm text-emerald-900">Copy the config you need before you leave or press Done.</p>
          </OneTimeToken>
        ) : 'action' in issue ? (
          <IssueForm agentId={agentId} issue={issue} state={state} formAction={formAction} pending={pending} />
        ) : (
          <p className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm text-slate-700" data-testid="connect-token-obstacle">
            {issue.obstacle}
          </p>
        )}
      </section>

      <section aria-labelledby="connect-configs-heading" className="space-y-6 rounded-lg border border-slate-200 bg-white p-6">
        <div>
          <h2 id="connect-configs-heading" className="text-base font-semibold">
            2. Paste a config
          </h2>
          <p className="mt-1 text-sm text-slate-600" data-testid="connect-token-state">
            {issued
              ? 'These configs contain the token just issued: treat them like a password.'
              : `These configs hold the placeholder ${TOKEN_PLACEHOLDER}: issue a token above, or replace it with one you kept.`}
          </p>
        </div>

        <div className="space-y-2">
          <h3 className="text-sm font-semibold">Claude Desktop</h3>
          <p className="text-sm text-slate-600" id="claude-note">
            Claude Desktop speaks MCP over stdio, so it starts the AgentxSuite bridge, which forwards every message to the
            gateway with the token from its environment. Put this in{' '}
            <code className="font-mono text-xs">claude_desktop_config.json</code> (Settings → Developer → Edit config) and restart
            Claude Desktop. The path is this server&apos;s own checkout: it is right when Claude Desktop runs on the same machine;
            otherwise copy <code className="font-mono text-xs">bin/agentxsuite-bridge.mjs</code> (and the repository&apos;s{' '}
            <code className="font-mono text-xs">node_modules</code>, or the whole checkout) there and change the path. Needs Node.js
            20 or later on that machine.
          </p>
          {!bridgeExists && (
            <p className="text-sm text-amber-800" role="note" data-testid="bridge-missing">
              This server has no <code className="font-mono text-xs">bin/agentxsuite-bridge.mjs</code> at that path: copy the
              bridge from an AgentxSuite checkout and change the path.
            </p>
          )}
          <CopySnippet id="config-claude-desktop" label="claude_desktop_config.json" value={claudeDesktopConfig(input)} describedBy="claude-note" />
        </div>

        <div className="space-y-2">
          <h3 className="text-sm font-semibold">MCP Inspector</h3>
          <p className="text-sm text-slate-600" id="inspector-note">
            Lists the agent&apos;s tools from a terminal (the Inspector needs Node.js 22.19 or later). It reads the token
            from <code className="font-mono text-xs">AGENTXSUITE_TOKEN</code>: set it first without typing it into a command
            line, e.g. <code className="font-mono text-xs">read -rs AGENTXSUITE_TOKEN &amp;&amp; export AGENTXSUITE_TOKEN</code> and paste the
            token. Replace{' '}
            <code className="font-mono text-xs">--method tools/list</code> with{' '}
            <code className="font-mono text-xs">--method tools/call --tool-name &lt;name&gt; --tool-arg key=value</code> to call
            one, or drop <code className="font-mono text-xs">--cli</code> for the Inspector&apos;s web UI.
          </p>
          <CopySnippet id="config-inspector-sse" label="Inspector over SSE" value={inspectorCommand(input, 'sse')} describedBy="inspector-note" />
          <CopySnippet id="config-inspector-http" label="Inspector over Streamable HTTP" value={inspectorCommand(input, 'http')} describedBy="inspector-note" />
        </div>

        <div className="space-y-2">
          <h3 className="text-sm font-semibold">Generic MCP client</h3>
          <p className="text-sm text-slate-600" id="generic-note">
            For clients that connect over HTTP themselves (Cursor, Windsurf, Cline, your own SDK code): the Streamable HTTP URL and
            the header. Clients that only speak the older HTTP+SSE transport take the SSE URL above with the same header.
          </p>
          <CopySnippet id="config-generic" label="Generic MCP client (JSON)" value={genericClientConfig(input)} describedBy="generic-note" />
        </div>
      </section>
    </div>
  );
}

function IssueForm({
  agentId,
  issue,
  state,
  formAction,
  pending,
}: {
  agentId: string;
  issue: IssueOptions;
  state: IssuedTokenState;
  formAction: (input: FormData) => void;
  pending: boolean;
}) {
  return (
    <form action={formAction} className="space-y-4" noValidate aria-label="Issue a token for the client">
      <input type="hidden" name="agent_id" value={agentId} />
      <input type="hidden" name={`${SCOPE_FIELD_PREFIX}mcp`} value="on" />
      <FormStatus state={state} />
      <div key={submissionKey(state)} className="grid gap-4 sm:grid-cols-2">
        <HintedSelect
          label="Lifetime"
          name="ttl_seconds"
          id="connect-token-ttl"
          options={issue.lifetimes}
          defaultValue={state.values?.ttl_seconds ?? issue.defaultLifetime}
          errors={errorsAt(state.fields, 'ttl_seconds')}
        />
        <HintedInput
          label="Label (optional)"
          name="name"
          id="connect-token-label"
          maxLength={128}
          defaultValue={state.values?.name ?? 'Claude Desktop'}
          errors={errorsAt(state.fields, 'name', 'scopes')}
          hint="Where it is used; shown in the agent's token list. Scope: mcp only."
        />
      </div>
      <Button type="submit" disabled={pending}>
        {pending ? 'Issuing…' : 'Issue token'}
      </Button>
    </form>
  );
}
