// What an agent sees in tools/list: exactly the tools its effective permissions show (allowed by
// policy ignoring input conditions, synced, enabled, on an enabled connection), plus the allowed
// built-in tools and the spec's `execute_tool`. Names: the upstream name when it is unique in the
// agent's view, else `<connection>__<tool>`; the gateway maps a called name back through this
// table only — a name not in it is not a tool, whatever its case or spelling.
import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import { effectivePermissions } from '@/lib/policy/evaluate';
import type { OrgCtx } from '@/lib/tenancy/access';

export const EXECUTE_TOOL = 'execute_tool';

export interface ViewEntry {
  /** The name the agent sees and calls. */
  name: string;
  /** What the executor resolves: `<connection>/<tool>` or `system/<name>`. */
  identifier: string;
  tool: McpTool;
}

export interface ToolView {
  entries: ViewEntry[];
  byName: Map<string, ViewEntry>;
}

const EXECUTE_TOOL_DEFINITION: McpTool = {
  name: EXECUTE_TOOL,
  description:
    'Runs any tool this agent may use by its identifier (a tool name, <connection>/<tool>, or a tool id), with input_data as its arguments. The inner tool is authorized exactly like a direct call.',
  inputSchema: {
    type: 'object',
    properties: {
      tool_identifier: { type: 'string', description: 'The tool to run: <connection>/<tool>, a tool name, or a tool id' },
      input_data: { type: 'object', description: "The tool's arguments", additionalProperties: true },
    },
    required: ['tool_identifier'],
    additionalProperties: false,
  },
};

export async function agentToolView(ctx: Pick<OrgCtx, 'db' | 'orgId'>, agentId: string): Promise<ToolView> {
  const permissions = await effectivePermissions(ctx, agentId, { withDefinitions: true });
  const visible = permissions.tools.filter((t) => t.visible);
  const system = permissions.system_tools.filter((t) => t.visible);
  // How many visible tools share each name (system tools count too).
  const uses = new Map<string, number>();
  for (const name of [...visible.map((t) => t.name), ...system.map((t) => t.name), EXECUTE_TOOL]) uses.set(name, (uses.get(name) ?? 0) + 1);
  const entries: ViewEntry[] = [];
  for (const t of visible) {
    const name = uses.get(t.name) === 1 ? t.name : `${t.connection.name}__${t.name}`;
    const def = t.definition!;
    entries.push({
      name,
      identifier: `${t.connection.name}/${t.name}`,
      tool: {
        name,
        ...(t.description ? { description: t.description } : {}),
        inputSchema: def.input_schema as McpTool['inputSchema'],
        ...(def.output_schema ? { outputSchema: def.output_schema as McpTool['outputSchema'] } : {}),
        ...(Object.keys(def.annotations).length ? { annotations: def.annotations as McpTool['annotations'] } : {}),
      },
    });
  }
  for (const t of system) {
    const name = uses.get(t.name) === 1 ? t.name : `system__${t.name}`;
    entries.push({ name, identifier: `system/${t.name}`, tool: { name, description: t.description, inputSchema: t.input_schema as McpTool['inputSchema'] } });
  }
  if (permissions.agent.enabled) entries.push({ name: EXECUTE_TOOL, identifier: '', tool: EXECUTE_TOOL_DEFINITION });
  // Two exposed names can still collide (a tool literally named "a__b"): the later one is dropped
  // rather than shadowing the other.
  const byName = new Map<string, ViewEntry>();
  for (const e of entries) if (!byName.has(e.name)) byName.set(e.name, e);
  return { entries: [...byName.values()], byName };
}
