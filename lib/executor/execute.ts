// THE tool-execution pipeline (ARCHITECTURE.md): every entry point that runs a tool — REST
// runs/execute, the MCP fabric's tools/call, the console — calls executeTool and nothing else.
//
//   resolve agent + tool (one query) → runnable? → policy (compiled, in memory) → input schema
//   → rate limit (agent+tool bucket) → concurrent-run cap → upstream call with a timeout
//   → run + steps + audit events (one statement)
//
// Every outcome, refusals included, leaves a run and its audit events, so an operator can read
// on the timeline why a call did not happen. Refusals throw AppError with the run id in details;
// a completed call (even one the tool itself reports as an error, isError) returns its content
// in MCP shape, redacted of every credential sent upstream and capped in size.
import { ErrorCode, McpError, type ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { AppError, notFound } from '@/lib/api/errors';
import { auditRow, type AuditInput } from '@/lib/audit/record';
import type { Ctx } from '@/lib/auth/context';
import { upstreamSpecOf } from '@/lib/connections/upstream';
import { env } from '@/lib/env';
import { logger } from '@/lib/observability/logger';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { upstreamFailure } from '@/lib/mcp/client/connect';
import { sharedUpstreamPool, UpstreamSessionPool, type CallHooks } from '@/lib/mcp/client/session-pool';
import { decide } from '@/lib/policy/engine';
import { compiledPoliciesFor } from '@/lib/policy/store';
import type { Decision } from '@/lib/policy/types';
import { getRateLimiter, RateLimitStoreUnavailable } from '@/lib/ratelimit';
import { decryptSecretRow, resolveSecret } from '@/lib/secrets/service';
import { takeRunSlot } from './concurrency';
import { capOutput, redact, type ToolOutput } from './output';
import { newRunId, writeRun, type StepRecord } from './record';
import { resolveCall, type Candidate, type ResolutionMemo } from './resolve';
import { SYSTEM_CONNECTION, type SystemTool } from './system-tools';
import { checkInput } from './validate';

export type ExecuteVia = 'rest' | 'mcp' | 'console';

export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

export interface ExecuteRequest {
  agentId: string;
  /** A tool id, a tool name (unique in the agent's view) or `<connection>/<tool>`. */
  toolIdentifier: string;
  input: unknown;
  /** Capped at RUN_MAX_TIMEOUT_SECONDS; default RUN_TIMEOUT_SECONDS. */
  timeoutSeconds?: number;
  via: ExecuteVia;
  /** A user running the tool as the agent; their role was checked by the entry point (run.execute). */
  actingUserId?: string | null;
  /** The caller went away: the upstream is told (MCP cancellation) and the run ends failed. */
  signal?: AbortSignal;
  onProgress?: (update: ProgressUpdate) => void;
  /** Upstream log messages during the call (network upstreams; a shared stdio child's logs are not per call). */
  onLog?: (params: { level: string; logger?: string; data?: unknown }) => void;
  /**
   * Server-to-client requests the upstream makes during the call (sampling/createMessage,
   * elicitation/create), relayed to the calling client. Offered to the upstream only when given,
   * and each one is decided by the policy first (sampling.create / elicitation.create on
   * `sampling:<connection>` / `elicitation:<connection>`). Network upstreams only: a shared stdio
   * child cannot tell which caller a request belongs to.
   */
  onServerRequest?: (request: { method: 'sampling/createMessage' | 'elicitation/create'; params: unknown }, signal: AbortSignal) => Promise<unknown>;
  /** Which server-to-client requests the calling client supports (default: both, when onServerRequest is given). */
  relay?: { sampling?: boolean; elicitation?: boolean };
  /**
   * The caller's own upstream sessions (the gateway keeps one pool per downstream MCP session, so
   * logs and server requests of a shared upstream session only reach that client). Without it,
   * calls share the process-wide pool, partitioned by agent, and get no logs or server requests.
   */
  upstream?: UpstreamSessionPool;
  /** The caller's memo of resolved calls (the gateway keeps one per MCP session); without it, every call resolves afresh. */
  resolutions?: ResolutionMemo;
}

export interface ExecuteResult {
  run_id: string;
  status: 'succeeded' | 'failed';
  isError: boolean;
  content: unknown[];
  structuredContent?: unknown;
  /** The upstream result's `_meta` (MCP callers get it back, with the gateway's keys added). */
  meta?: Record<string, unknown>;
  /** The result was larger than RUN_MAX_OUTPUT_BYTES and was cut (the content says so too). */
  truncated: boolean;
  agent: { id: string; name: string };
  tool: { id: string | null; name: string; target: string };
  execution: { started_at: string; ended_at: string; duration_ms: number };
}

/** What the pipeline needs of its caller: the database, who is asking, and the organization. */
export type ExecuteCtx = Pick<Ctx, 'db' | 'actor' | 'requestId' | 'clientKey'> & { orgId: string };

const MAX_CANDIDATES_NAMED = 10;

function settings() {
  const e = env();
  return {
    defaultTimeoutMs: e.RUN_TIMEOUT_SECONDS * 1000,
    maxTimeoutMs: e.RUN_MAX_TIMEOUT_SECONDS * 1000,
    maxConcurrent: e.RUN_MAX_CONCURRENT_PER_AGENT,
    maxInputBytes: e.RUN_MAX_INPUT_BYTES,
    maxOutputBytes: e.RUN_MAX_OUTPUT_BYTES,
    bucket: { capacity: e.RATE_LIMIT_CAPACITY, refillPerSecond: e.RATE_LIMIT_REFILL_PER_SEC },
    failOpen: e.RATE_LIMIT_FAIL_OPEN,
  };
}

/** The call as it is being recorded: stages append steps; the end writes everything at once. */
class RunLog {
  readonly id = newRunId();
  readonly startedAt = new Date();
  readonly steps: StepRecord[] = [];
  readonly events: AuditInput[] = [];
  target: string;
  agentId: string | null = null;
  agentName = '';
  environmentId: string | null = null;
  toolId: string | null = null;
  toolName: string;
  private stageStart = performance.now();

  constructor(identifier: string) {
    this.target = identifier;
    this.toolName = identifier;
  }

  /** Records an audit event, stamped now: written together later, they keep the order they happened in. */
  event(e: AuditInput): void {
    // Strictly increasing, so events of one run never share a time (the chain orders by time).
    const last = this.events.at(-1)?.at?.getTime() ?? 0;
    this.events.push({ ...e, at: new Date(Math.max(Date.now(), last + 1)) });
  }

  /** Closes the current stage as a step with its duration, and starts timing the next. */
  step(stepType: string, message: string, details?: Record<string, unknown>): void {
    const now = performance.now();
    this.steps.push({ stepType, message, details, at: new Date(), durationMs: Math.round(now - this.stageStart) });
    this.stageStart = now;
  }
}

interface Outcome {
  status: 'succeeded' | 'failed';
  errorText: string | null;
  output: ToolOutput | null;
}

export async function executeTool(ctx: ExecuteCtx, request: ExecuteRequest): Promise<ExecuteResult> {
  const config = settings();
  const log = new RunLog(request.toolIdentifier);
  const input = request.input ?? {};

  // Resolve. An agent outside this organization is not a run: there is nothing to record it in.
  const resolved = request.resolutions
    ? await request.resolutions.resolve(ctx.db, ctx.orgId, request.agentId, request.toolIdentifier)
    : await resolveCall(ctx.db, ctx.orgId, request.agentId, request.toolIdentifier);
  if (!resolved) throw notFound('Agent');
  const { agent } = resolved;
  log.agentId = agent.id;
  log.agentName = agent.name;
  log.environmentId = agent.environmentId;

  /** Records a refusal (run failed + one audit event) and throws its error with the run id. */
  const refuse = async (error: AppError, stepType: string, eventType: string, extra: Partial<AuditInput> = {}): Promise<never> => {
    log.step(stepType, error.message, { code: error.code, ...(error.details.fields ? { fields: error.details.fields } : {}) });
    log.event({
      organizationId: ctx.orgId,
      action: 'run.denied',
      eventType,
      target: log.target,
      decision: 'deny',
      ...extra,
      data: { ...runFacts(log, request), reason: error.message, ...(extra.data ?? {}) },
    });
    await finish(ctx, log, request, input, { status: 'failed', errorText: error.message, output: null });
    throw new AppError(error.code, error.message, { ...error.details, run_id: log.id }, error.headers);
  };

  if (!agent.enabled) {
    return refuse(new AppError('forbidden', 'This agent is disabled'), 'resolve', 'run_denied_agent_disabled');
  }

  // Which tool: exactly one must be meant — in the agent's view (API-NOTES: a bare name must be
  // unique among the tools the agent may see; tools it may not see neither collide nor show).
  let candidate: Candidate | null = null;
  let system: SystemTool | null = null;
  const compiled = await compiledPoliciesFor(ctx.db, ctx.orgId);
  const decisionBase = {
    organizationId: ctx.orgId,
    environmentId: agent.environmentId,
    environmentType: resolved.environmentType,
    subject: { agentId: agent.id, serviceAccountId: agent.serviceAccountId, roles: [] },
    context: { input, now: new Date() },
  };
  let matches = resolved.candidates;
  if (matches.length > 1) {
    const inView = matches.filter(
      (c) =>
        decide(compiled, { ...decisionBase, action: 'tool.invoke', target: `tool:${c.connection.name}/${c.tool.name}`, targetId: c.tool.id }, { mode: 'listing' })
          .decision === 'allow',
    );
    if (inView.length === 0) {
      return refuse(new AppError('not_found', `No tool "${request.toolIdentifier}" in this agent's view`), 'resolve', 'run_denied_unknown_tool');
    }
    matches = inView;
  }
  if (matches.length > 1) {
    const names = matches.slice(0, MAX_CANDIDATES_NAMED).map((c) => `${c.connection.name}/${c.tool.name}`);
    return refuse(
      new AppError('conflict', `"${request.toolIdentifier}" names more than one tool: ${names.join(', ')}. Use <connection>/<tool>.`, { candidates: names }),
      'resolve',
      'run_denied_ambiguous_tool',
    );
  }
  if (matches.length === 1) candidate = matches[0]!;
  else if (resolved.system) system = resolved.system;
  else return refuse(new AppError('not_found', `No tool "${request.toolIdentifier}" in this agent's environment`), 'resolve', 'run_denied_unknown_tool');

  if (candidate) {
    log.toolId = candidate.tool.id;
    log.toolName = candidate.tool.name;
    log.target = `tool:${candidate.connection.name}/${candidate.tool.name}`;
  } else {
    log.toolName = system!.name;
    log.target = `tool:${SYSTEM_CONNECTION}/${system!.name}`;
  }
  log.step('resolve', `Resolved ${log.target} for agent ${agent.name}`, { tool_id: log.toolId, target: log.target });

  // Runnable (API-NOTES: only synced, enabled tools of an enabled connection run).
  if (candidate) {
    const { tool, connection } = candidate;
    if (!connection.enabled) {
      return refuse(new AppError('conflict', `Connection ${connection.name} is disabled: none of its tools run`), 'runnable', 'run_denied_no_connection');
    }
    if (!connection.endpoint && !connection.mcpServerRegistrationId) {
      return refuse(new AppError('conflict', `Connection ${connection.name} has no endpoint`), 'runnable', 'run_denied_no_connection');
    }
    if (candidate.registration && !candidate.registration.enabled) {
      return refuse(new AppError('conflict', `The MCP server behind connection ${connection.name} is disabled`), 'runnable', 'run_denied_no_connection');
    }
    if (tool.syncStatus !== 'synced') {
      const why =
        tool.syncStatus === 'pending_review'
          ? 'its definition changed upstream and waits for an admin to approve it'
          : tool.syncStatus === 'stale'
            ? 'it is no longer offered by its server (stale)'
            : `its sync status is ${tool.syncStatus}`;
      return refuse(new AppError('conflict', `Tool ${log.target} cannot run: ${why}`, { sync_status: tool.syncStatus }), 'runnable', 'run_denied_sync_status');
    }
    if (!tool.enabled) return refuse(new AppError('conflict', `Tool ${log.target} is disabled`), 'runnable', 'run_denied_tool_disabled');
  }

  // Policy: decided for the agent, whoever asks on its behalf.
  const decision: Decision = decide(compiled, { ...decisionBase, action: 'tool.invoke', target: log.target, targetId: log.toolId });
  const policyFacts = { decision: decision.decision, matched: decision.matched, priority: decision.priority, explanation: decision.explanation };
  if (decision.decision === 'deny') {
    return refuse(new AppError('forbidden', decision.reason, { reason: decision.reason }), 'policy', 'run_denied_policy', {
      ruleId: decision.matched.rule_id,
      data: policyFacts,
    });
  }
  // The explanation reads "allowed: rule … of policy …"; as a step message it starts a sentence.
  log.step('policy', decision.explanation.charAt(0).toUpperCase() + decision.explanation.slice(1), policyFacts);

  // Input: bounded, then checked against the tool's schema.
  const inputBytes = Buffer.byteLength(JSON.stringify(input));
  if (inputBytes > config.maxInputBytes) {
    return refuse(
      new AppError('invalid_input', `input_data is ${inputBytes} bytes; the limit is ${config.maxInputBytes}`, { fields: { input_data: [`Larger than ${config.maxInputBytes} bytes`] } }),
      'validation',
      'run_denied_validation',
    );
  }
  const schema = candidate ? candidate.tool.schemaJson : system!.inputSchema;
  const check = checkInput(candidate ? `${candidate.tool.id}:${candidate.tool.definitionHash ?? candidate.tool.updatedAt.getTime()}` : `system:${system!.name}`, schema, input);
  if (!check.ok) {
    const fields = Object.fromEntries(Object.entries(check.fields).map(([k, v]) => [k === '_root' ? 'input_data' : `input_data.${k}`, v]));
    return refuse(new AppError('invalid_input', `input_data does not match the tool's input schema: ${Object.keys(fields).join(', ')}`, { fields }), 'validation', 'run_denied_validation');
  }
  log.step('validation', 'Input matches the schema', { bytes: inputBytes });

  // Rate limit: one bucket per agent and tool; a store that cannot answer refuses (fail closed).
  const bucket = candidate?.tool.rateLimitCapacity
    ? { capacity: candidate.tool.rateLimitCapacity, refillPerSecond: candidate.tool.rateLimitRefillPerSec ?? config.bucket.refillPerSecond }
    : config.bucket;
  try {
    const limit = await getRateLimiter().consume(`run:${agent.id}:${log.toolId ?? log.target}`, bucket);
    if (!limit.allowed) {
      // A bucket that never refills (a tool override of 0) has no honest Retry-After: say a day.
      const retryAfter = Number.isFinite(limit.retryAfterSeconds) ? limit.retryAfterSeconds : 86_400;
      return refuse(
        new AppError('rate_limited', `Rate limit reached for ${log.target}; retry in ${retryAfter} s`, { retry_after: retryAfter }, { 'Retry-After': String(retryAfter) }),
        'rate_limit',
        'run_denied_rate_limit',
        { data: { capacity: bucket.capacity, refill_per_sec: bucket.refillPerSecond } },
      );
    }
    log.step('rate_limit', `Within the rate limit (${limit.remaining} left)`, { remaining: limit.remaining, capacity: bucket.capacity });
  } catch (error) {
    if (!(error instanceof RateLimitStoreUnavailable)) throw error;
    if (!config.failOpen) {
      return refuse(new AppError('unavailable', 'The rate-limit store is unavailable; calls are refused until it is back'), 'rate_limit', 'run_denied_rate_limit_store');
    }
    log.step('rate_limit', 'The rate-limit store is unavailable; allowed because RATE_LIMIT_FAIL_OPEN=true', { fail_open: true });
    log.event({ organizationId: ctx.orgId, action: 'run.rate_limit_bypassed', eventType: 'run_rate_limit_store_unavailable', target: log.target, data: runFacts(log, request) });
  }

  const release = takeRunSlot(agent.id, config.maxConcurrent);
  if (!release) {
    return refuse(
      new AppError('rate_limited', `Agent ${agent.name} already has ${config.maxConcurrent} runs in progress`, { retry_after: 1 }, { 'Retry-After': '1' }),
      'concurrency',
      'run_denied_concurrency',
    );
  }

  // The call itself.
  log.event({ organizationId: ctx.orgId, action: 'run.start', eventType: 'run_started', target: log.target, data: runFacts(log, request) });
  const timeoutMs = Math.min(request.timeoutSeconds ? request.timeoutSeconds * 1000 : config.defaultTimeoutMs, config.maxTimeoutMs);
  let outcome: Outcome;
  let failure: AppError | null = null;
  try {
    const authorizeRelay = (action: 'sampling.create' | 'elicitation.create', target: string): Decision => {
      const relayDecision = decide(compiled, { ...decisionBase, action, target, targetId: null });
      log.step('server_request', `${relayDecision.decision === 'allow' ? 'Relayed' : 'Refused'} ${action} on ${target}: ${relayDecision.explanation}`, {
        action,
        target,
        decision: relayDecision.decision,
        matched: relayDecision.matched,
      });
      if (relayDecision.decision === 'deny') {
        log.event({
          organizationId: ctx.orgId,
          action: 'run.relay_denied',
          eventType: 'run_denied_server_request',
          target,
          decision: 'deny',
          ruleId: relayDecision.matched.rule_id,
          data: { ...runFacts(log, request), relay_action: action, reason: relayDecision.reason },
        });
      }
      return relayDecision;
    };
    const called = await callWithTimeout(ctx, candidate, system, agent.id, input, timeoutMs, request, authorizeRelay);
    const output = capOutput(redact(called.result, called.secrets), config.maxOutputBytes);
    const errorText = output.structureDropped
      ? 'The result was larger than RUN_MAX_OUTPUT_BYTES; its structured content was left out'
      : output.isError
        ? 'The tool reported an error (isError)'
        : null;
    outcome = { status: output.isError ? 'failed' : 'succeeded', errorText, output };
    log.step('upstream', output.isError ? 'The tool answered with an error result' : 'The tool answered', {
      bytes: output.bytes,
      truncated: output.truncated,
      is_error: output.isError,
      content_items: output.content.length,
    });
    log.event({
      organizationId: ctx.orgId,
      action: output.isError ? 'run.fail' : 'run.succeed',
      eventType: output.isError ? 'run_failed_tool_error' : 'run_succeeded',
      target: log.target,
      data: { ...runFacts(log, request), truncated: output.truncated },
    });
  } catch (error) {
    failure = error instanceof AppError ? error : upstreamFailure(error);
    const eventType = failure.code === 'timeout' ? 'run_failed_timeout' : failure.details.cancelled ? 'run_failed_cancelled' : 'run_failed_upstream';
    log.step('upstream', failure.message, { code: failure.code });
    log.event({ organizationId: ctx.orgId, action: 'run.fail', eventType, target: log.target, data: { ...runFacts(log, request), reason: failure.message } });
    outcome = { status: 'failed', errorText: failure.message, output: null };
  } finally {
    release();
  }
  const ended = await finish(ctx, log, request, input, outcome);
  if (failure) throw new AppError(failure.code, failure.message, { ...failure.details, run_id: log.id }, failure.headers);
  const output = outcome.output!;
  return {
    run_id: log.id,
    status: outcome.status,
    isError: output.isError,
    content: output.content,
    ...(output.structuredContent !== undefined ? { structuredContent: output.structuredContent } : {}),
    ...(output.meta ? { meta: output.meta } : {}),
    truncated: output.truncated,
    agent: { id: agent.id, name: agent.name },
    tool: { id: log.toolId, name: log.toolName, target: log.target },
    execution: { started_at: log.startedAt.toISOString(), ended_at: ended.toISOString(), duration_ms: ended.getTime() - log.startedAt.getTime() },
  };
}

/** What a caller that relays server requests lets the upstream ask for (both unless told). */
function relayOffers(relay: ExecuteRequest['relay']): ClientCapabilities {
  return { ...(relay?.sampling !== false ? { sampling: {} } : {}), ...(relay?.elicitation !== false ? { elicitation: {} } : {}) };
}

/** Facts every run event carries: both identities when a user acts for the agent. */
function runFacts(log: RunLog, request: ExecuteRequest): Record<string, unknown> {
  return {
    run_id: log.id,
    agent_id: log.agentId,
    tool_id: log.toolId,
    tool_target: log.target,
    via: request.via,
    ...(request.actingUserId ? { acting_user_id: request.actingUserId } : {}),
  };
}

async function finish(ctx: ExecuteCtx, log: RunLog, request: ExecuteRequest, input: unknown, outcome: Outcome): Promise<Date> {
  const endedAt = new Date();
  const output = outcome.output;
  await writeRun(
    ctx.db,
    {
      id: log.id,
      organizationId: ctx.orgId,
      environmentId: log.environmentId!,
      agentId: log.agentId,
      toolId: log.toolId,
      userId: request.actingUserId ?? null,
      status: outcome.status,
      target: log.target,
      via: request.via,
      startedAt: log.startedAt,
      endedAt,
      durationMs: endedAt.getTime() - log.startedAt.getTime(),
      inputJson: (input && typeof input === 'object' && !Array.isArray(input) ? input : { value: input }) as Record<string, unknown>,
      outputJson: output
        ? { content: output.content, ...(output.structuredContent !== undefined ? { structuredContent: output.structuredContent } : {}), isError: output.isError, truncated: output.truncated }
        : null,
      errorText: outcome.errorText,
    },
    log.steps,
    log.events.map((e) => auditRow(ctx, e)),
  ).catch((error: unknown) => {
    // The call happened; losing its record is an operator-visible fault, never silent.
    logger().error({ err: error, run_id: log.id }, 'writing the run record failed');
    throw new AppError('internal', 'The run could not be recorded', { run_id: log.id });
  });
  return endedAt;
}

interface Called {
  result: { content?: unknown; structuredContent?: unknown; isError?: unknown; _meta?: unknown };
  /** Credentials the gateway sent for this call: redacted from what is stored and returned. */
  secrets: readonly string[];
}

/**
 * Calls the tool, cut at `timeoutMs` (connect included). Timing out or the caller's abort cancels
 * the upstream request — the SDK sends notifications/cancelled — and the run fails.
 */
async function callWithTimeout(
  ctx: ExecuteCtx,
  candidate: Candidate | null,
  system: SystemTool | null,
  agentId: string,
  input: unknown,
  timeoutMs: number,
  request: ExecuteRequest,
  authorizeRelay: (action: 'sampling.create' | 'elicitation.create', target: string) => Decision,
): Promise<Called> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  const onCallerAbort = () => controller.abort(new Error('cancelled by the caller'));
  if (request.signal?.aborted) onCallerAbort();
  request.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const signal = controller.signal;
  let sent: readonly string[] = [];
  const abortedError = () =>
    timedOut
      ? new AppError('timeout', `The tool did not answer within ${Math.round(timeoutMs / 1000)} s; the run was cancelled`)
      : new AppError('upstream_error', 'The call was cancelled by the caller', { cancelled: true });
  try {
    if (system) {
      const result = await Promise.race([
        system.run({ db: ctx.db, orgId: ctx.orgId, agentId, signal }, input as Record<string, unknown>),
        new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(abortedError()), { once: true })),
      ]);
      return { result, secrets: [] };
    }
    const { tool, connection } = candidate!;
    // Everything the spec needs was read with the call's first query: no further round trip.
    const secret = candidate!.secret;
    const spec = await upstreamSpecOf(ctx, connection, {
      registration: candidate!.registration,
      resolveSecret: (ref) => (secret && secret.ref === ref ? decryptSecretRow(ref, secret) : resolveSecret({ db: ctx.db, orgId: ctx.orgId }, ref)),
    });
    const callTool = async ({ client, sensitiveValues }: { client: Client; sensitiveValues: readonly string[] }): Promise<Called> => {
      sent = sensitiveValues;
      const answer = await client.callTool({ name: tool.name, arguments: input as Record<string, unknown> }, undefined, {
        signal,
        // Our own timer decides; the SDK's default (60 s) must not cut a longer allowed call.
        timeout: timeoutMs + 1_000,
        ...(request.onProgress
          ? { onprogress: (p) => request.onProgress!({ progress: p.progress, total: p.total, message: p.message === undefined ? undefined : redact(p.message, sent) }) }
          : {}),
      });
      // Servers of the 2024-10-07 protocol answer {toolResult}; it is shown as text.
      const result = 'toolResult' in answer ? { content: [{ type: 'text', text: JSON.stringify(answer.toolResult) }] } : answer;
      return { result, secrets: sensitiveValues };
    };
    const relay = request.onServerRequest;
    const relayed = async (method: 'sampling/createMessage' | 'elicitation/create', params: unknown, relaySignal: AbortSignal) => {
      const action = method === 'sampling/createMessage' ? 'sampling.create' : 'elicitation.create';
      const verdict = authorizeRelay(action, `${method === 'sampling/createMessage' ? 'sampling' : 'elicitation'}:${connection.name}`);
      if (verdict.decision === 'deny') throw new McpError(ErrorCode.InvalidRequest, verdict.reason);
      return relay!({ method, params: redact(params, sent) }, relaySignal);
    };
    const onLog = request.onLog && ((params: { level: string; logger?: string; data?: unknown }) => request.onLog!(redact(params, sent)));

    // The caller's own pool (hooks route logs and server requests to this call); for a caller that
    // relays without one, a pool of this call's own; else the shared pool, partitioned by agent
    // (no hooks: its sessions serve many callers). One session per connection in every case, so a
    // relayed request is decided for the right connection.
    const own = request.upstream ?? (relay ? new UpstreamSessionPool({ capabilities: relayOffers(request.relay) }) : null);
    const hooks: CallHooks = own ? { ...(onLog ? { onLog } : {}), ...(relay ? { onServerRequest: relayed } : {}) } : {};
    const pool = own ?? sharedUpstreamPool();
    const partition = own ? connection.id : `${agentId}:${connection.id}`;
    try {
      return await pool.use(spec, callTool, { signal, connectTimeoutMs: timeoutMs, hooks, partition });
    } finally {
      if (own && own !== request.upstream) await own.close();
    }
  } catch (error) {
    if (signal.aborted) throw abortedError();
    // A JSON-RPC error answer (unknown tool, bad arguments upstream): the server spoke, and said no.
    if (error instanceof McpError && error.code !== ErrorCode.ConnectionClosed && error.code !== ErrorCode.RequestTimeout) {
      throw new AppError('upstream_error', `The upstream server answered with an error: ${redact(error.message, sent)}`.slice(0, 1000), { upstream_code: error.code });
    }
    const failure = error instanceof AppError ? error : upstreamFailure(error);
    // Whatever the upstream wrote into an error (stdio errors arrive already converted) is redacted too.
    throw new AppError(failure.code, redact(failure.message, sent), failure.details, failure.headers);
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onCallerAbort);
  }
}
