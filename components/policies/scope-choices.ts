// What a policy binding can name, per scope type (API-NOTES "Policies — one truth table").
import type { Option } from '@/components/console/select-field';

/** Scope types whose id is chosen from a list; resource_ns is free text. */
export type ListedScopeType = 'org' | 'env' | 'agent' | 'tool' | 'user' | 'role';
export type ScopeChoices = Record<ListedScopeType, Option[]>;

export const SCOPE_TYPE_OPTIONS: readonly Option[] = [
  { value: 'agent', label: 'agent — requests of one agent' },
  { value: 'env', label: 'env — requests in one environment' },
  { value: 'role', label: 'role — members with a role' },
  { value: 'user', label: 'user — one member' },
  { value: 'tool', label: 'tool — requests for one tool' },
  { value: 'org', label: 'org — every request of the organization' },
  { value: 'resource_ns', label: 'resource_ns — targets under a namespace' },
];

export const SCOPE_ID_HINTS: Record<string, string> = {
  agent: 'The policy applies to this agent (and its service account).',
  env: "The policy applies to requests in this environment.",
  role: 'The policy applies to members with this role (when a user runs or evaluates a request).',
  user: 'The policy applies to this member.',
  tool: 'The policy applies to calls of this tool.',
  org: 'Every request of the organization: like no binding at all, but with a priority.',
  resource_ns: 'A target prefix such as tool:github/ or resource:docs/ (globs with * allowed).',
};
