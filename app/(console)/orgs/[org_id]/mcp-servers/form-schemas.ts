// Console forms send text; the MCP server registry takes the API's shapes. These schemas turn one
// into the other — args one per line, environment variables one NAME=value per line — and then
// validate with the API's own schema (lib/mcp-servers/schemas.ts), so the console refuses what
// REST refuses, with messages keyed by the same field names (`args.2`, `env_vars.TOKEN`).
import { z } from 'zod';
import { connectionName } from '@/lib/connections/schemas';
import { createMcpServerSchema } from '@/lib/mcp-servers/schemas';

/** Fields whose empty text means "not given": the API's default (or nothing) applies. */
const BLANK_ABSENT = ['slug', 'description', 'endpoint', 'command', 'secret_ref'];

function fromForm(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object') return raw;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string' && value.trim() === '' && BLANK_ABSENT.includes(key)) continue;
    out[key] = value;
  }
  return out;
}

const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);

/** One argument per line; blank lines are dropped. */
const argsText = z.string().transform(lines).pipe(createMcpServerSchema.shape.args.unwrap());

/** One NAME=value per line; the value may be `secret_ref:<uuid>`. */
const envVarsText = z
  .string()
  .transform((text, ctx): Record<string, string> => {
    const vars: Record<string, string> = {};
    for (const [i, line] of lines(text).entries()) {
      const eq = line.indexOf('=');
      const name = eq > 0 ? line.slice(0, eq).trim() : '';
      if (!name) {
        ctx.addIssue({ code: 'custom', message: `Line ${i + 1}: write NAME=value (got "${line.slice(0, 40)}")` });
        continue;
      }
      if (name in vars) {
        ctx.addIssue({ code: 'custom', message: `Line ${i + 1}: ${name} is set twice` });
        continue;
      }
      vars[name] = line.slice(eq + 1);
    }
    return vars;
  })
  .pipe(createMcpServerSchema.shape.env_vars.unwrap());

export const createMcpServerForm = z.preprocess(
  fromForm,
  createMcpServerSchema.extend({ args: argsText.default([]), env_vars: envVarsText.default({}) }),
);

export const mcpServerEnabledForm = z.strictObject({
  mcp_server_id: z.string(),
  enabled: z.enum(['true', 'false']).transform((v) => v === 'true'),
});

export const mcpServerRefForm = z.strictObject({ mcp_server_id: z.string() });

export const deleteMcpServerForm = z.strictObject({ mcp_server_id: z.string(), confirm: z.string() });

/** "Create a connection through this server": only its name; everything else comes from the registration. */
export const connectionThroughServerForm = z.strictObject({ mcp_server_id: z.string(), name: connectionName });
