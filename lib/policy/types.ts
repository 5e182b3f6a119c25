// Shapes of the policy decision point (API-NOTES "Policies — one truth table"). The engine is
// pure: it takes policies as loaded from the database (PolicySource) and a request, and answers
// a Decision; loading, caching and auditing live elsewhere.

export const POLICY_ACTIONS = ['tool.invoke', 'resource.read', 'prompt.get', 'sampling.create', 'elicitation.create', 'agent.invoke'] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

export type BindingScopeType = 'org' | 'env' | 'agent' | 'tool' | 'role' | 'user' | 'resource_ns';

/** One policy as loaded from the database (camelCase like drizzle rows), with its rules and bindings. */
export type PolicySource = {
  id: string;
  organizationId: string;
  environmentId: string | null;
  name: string;
  version: number;
  isActive: boolean;
  rulesJson: { allow?: string[]; deny?: string[] };
  rules: { id: string; action: string; target: string; effect: 'allow' | 'deny'; conditions: Record<string, unknown> }[];
  bindings: { id: string; scopeType: BindingScopeType; scopeId: string; priority: number }[];
};

export type DecisionRequest = {
  organizationId: string;
  environmentId: string | null;
  /** e.g. 'development' | 'staging' | 'production' (free text); matched by `environment_type` conditions. */
  environmentType?: string | null;
  subject: { agentId?: string | null; serviceAccountId?: string | null; userId?: string | null; roles?: string[] };
  /** e.g. 'tool.invoke' */
  action: string;
  /** e.g. 'tool:github/create_issue', 'resource:docs/file:///a.md', 'prompt:ev/simple' */
  target: string;
  /** The tool's UUID when the target is a tool: matched by bindings with scope_type 'tool'. */
  targetId?: string | null;
  context?: { input?: unknown; now?: Date };
};

export type Decision = {
  decision: 'allow' | 'deny';
  /** Short public reason, safe to show to the agent. */
  reason: string;
  matched: { policy_id: string | null; rule_id: string | null; binding_id: string | null };
  /** Operator-readable account of which rule decided and why. */
  explanation: string;
  /** The priority level that decided; null for the default deny. */
  priority: number | null;
};

/**
 * 'call': everything is evaluated (a real tools/call, resources/read, …).
 * 'listing': tools/list and the effective-permissions view — "is there some allow path ignoring
 * input conditions?": an allow rule's `input` condition counts as holding, a deny rule's `input`
 * condition as not holding (a conditional deny never hides a tool). Other conditions apply.
 */
export type DecisionMode = 'call' | 'listing';

export type ConditionIssue = { path: string; message: string };

/**
 * Something in the loaded data the engine could not use as written (e.g. conditions stored before
 * validation existed). It fails closed: an allow rule with unusable conditions never matches, a
 * deny rule with unusable conditions matches as if unconditional, entries that are not strings
 * are skipped. Log these; they are not errors of a single request.
 */
export type CompileProblem = { policyId: string; ruleId: string | null; message: string; issues?: ConditionIssue[] };
