// Ready-to-paste client configurations for an agent: Claude Desktop (through the stdio bridge), the
// MCP Inspector's CLI, and a generic MCP client. Pure text builders, shared by the Connect page
// (which fills in a token issued on it) and tests. Without a token they hold a placeholder: a
// token that was issued earlier is not stored in clear, so it can never be filled in here.
import type { AgentEndpoints } from '@/lib/agents/connect';

export const TOKEN_PLACEHOLDER = '<paste an agent token>';

export interface ClientConfigInput {
  /** The key the config names the server by: the agent's slug. */
  name: string;
  endpoints: AgentEndpoints;
  /** Absolute path of bin/agentxsuite-bridge.mjs on the machine that runs Claude Desktop. */
  bridgePath: string;
  /** A token just issued, or null for the placeholder. */
  token: string | null;
}

const tokenOf = (input: ClientConfigInput) => input.token ?? TOKEN_PLACEHOLDER;

/** claude_desktop_config.json: Claude Desktop starts the bridge; the token goes in env only, never in args. */
export function claudeDesktopConfig(input: ClientConfigInput): string {
  const config = {
    mcpServers: {
      [input.name]: {
        command: 'node',
        args: [input.bridgePath, '--url', input.endpoints.streamable_http],
        env: { AGENTXSUITE_TOKEN: tokenOf(input) },
      },
    },
  };
  return JSON.stringify(config, null, 2);
}

/** A word for a POSIX shell: as it is when it is plain, else single-quoted. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * `npx @modelcontextprotocol/inspector --cli …`: lists the agent's tools over SSE or Streamable
 * HTTP. The token is read from $AGENTXSUITE_TOKEN, never written into the command: a command
 * line is visible to every process on the machine and kept in shell history.
 */
export function inspectorCommand(input: ClientConfigInput, transport: 'sse' | 'http'): string {
  const url = transport === 'sse' ? input.endpoints.sse : input.endpoints.streamable_http;
  return [
    'npx',
    '@modelcontextprotocol/inspector',
    '--cli',
    shellWord(url),
    '--transport',
    transport,
    '--header',
    `"Authorization: Bearer $${TOKEN_VARIABLE}"`,
    '--method',
    'tools/list',
  ].join(' ');
}

/** The environment variable the Inspector command reads the token from (the bridge's, too). */
export const TOKEN_VARIABLE = 'AGENTXSUITE_TOKEN';

/** The `mcpServers` entry most HTTP-capable MCP clients take: URL, transport and headers. */
export function genericClientConfig(input: ClientConfigInput): string {
  const config = {
    mcpServers: {
      [input.name]: {
        transport: 'streamable-http',
        url: input.endpoints.streamable_http,
        headers: { Authorization: `Bearer ${tokenOf(input)}` },
      },
    },
  };
  return JSON.stringify(config, null, 2);
}
