// Console forms send text; the services take the API's shapes. These schemas turn one into the
// other and then validate with the API's own schemas (lib/agents/schemas.ts), so the console
// refuses exactly what REST refuses, with messages keyed by the same field names.
import { z } from 'zod';
import { SCOPE_FIELD_PREFIX } from '@/components/agents/scope-checkboxes';
import {
  createAgentSchema,
  createAxcoreSchema,
  issueTokenSchema,
  patchAgentSchema,
} from '@/lib/agents/schemas';

export interface FormShape {
  /** Where the ticked `scope:<name>` checkboxes go, as a list. */
  scopesTo?: string;
  /** Fields whose empty text means "not given" (the API's default applies). */
  blankAbsent?: string[];
  /** Fields whose empty text means null. */
  blankNull?: string[];
  /** Fields holding a number. */
  numbers?: string[];
}

/** Form text → the API's input shape, before the API's schema sees it. */
export function fromForm(raw: unknown, shape: FormShape): unknown {
  if (!raw || typeof raw !== 'object') return raw;
  const out: Record<string, unknown> = {};
  const scopes: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (shape.scopesTo && key.startsWith(SCOPE_FIELD_PREFIX)) {
      if (value) scopes.push(key.slice(SCOPE_FIELD_PREFIX.length));
      continue;
    }
    const blank = typeof value === 'string' && value.trim() === '';
    if (blank && shape.blankAbsent?.includes(key)) continue;
    if (blank && shape.blankNull?.includes(key)) out[key] = null;
    else if (shape.numbers?.includes(key) && typeof value === 'string' && /^\d+$/.test(value.trim())) out[key] = Number(value);
    else out[key] = value;
  }
  if (shape.scopesTo) out[shape.scopesTo] = scopes;
  return out;
}

/** A JSON object typed into a textarea; empty means {}. */
const capabilitiesText = z.string().transform((text, ctx): Record<string, unknown> => {
  if (!text.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'Not valid JSON' });
    return z.NEVER;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'Must be a JSON object, like {"tools": ["search"]}' });
    return z.NEVER;
  }
  return value as Record<string, unknown>;
});

/** "support, eu" → ["support", "eu"], then the API's tag rules. */
const tagsText = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  )
  .pipe(createAgentSchema.shape.tags.unwrap());

export const createAgentForm = z.preprocess(
  (raw) => fromForm(raw, { blankAbsent: ['slug'], blankNull: ['connection_id'] }),
  createAgentSchema.extend({ capabilities: capabilitiesText, tags: tagsText }),
);

export const editAgentForm = z.preprocess(
  (raw) => fromForm(raw, { blankNull: ['connection_id'] }),
  patchAgentSchema.extend({ agent_id: z.string(), capabilities: capabilitiesText.optional(), tags: tagsText.optional() }),
);

export const agentEnabledForm = z.strictObject({
  agent_id: z.string(),
  enabled: z.enum(['true', 'false']).transform((v) => v === 'true'),
});

export const issueTokenForm = z.preprocess(
  (raw) => fromForm(raw, { scopesTo: 'scopes', blankAbsent: ['ttl_seconds', 'name'], numbers: ['ttl_seconds'] }),
  issueTokenSchema.extend({ agent_id: z.string() }),
);

export const tokenRefForm = z.strictObject({ agent_id: z.string(), jti: z.string() });

/** The AxCore form: the agent's fields, its service account's scope allowlist, its first token's lifetime. */
export const axcoreForm = z.preprocess((raw) => {
  const input = fromForm(raw, { scopesTo: 'scope_allowlist', blankAbsent: ['slug', 'ttl_seconds'], numbers: ['ttl_seconds'] });
  if (!input || typeof input !== 'object') return input;
  const { ttl_seconds: ttl, ...rest } = input as Record<string, unknown>;
  return { ...rest, token: ttl === undefined ? {} : { ttl_seconds: ttl } };
}, createAxcoreSchema);
