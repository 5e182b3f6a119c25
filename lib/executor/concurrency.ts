// Caps on what one agent has in flight at once, held in this process: a slot is taken before the
// work starts and always given back. Several instances each apply the caps to what they serve.
//   - runs: the agent's simultaneous tool runs (API-NOTES "Execution": the earlier implementation
//     capped running runs per agent at 5);
//   - MCP requests: every request the gateway's MCP server is handling for the agent (resource
//     reads, prompt gets, completions… — each may wait on an upstream and holds a stream open).
type Counter = Map<string, number>;
const g = globalThis as unknown as { __axsRunSlots?: Counter; __axsMcpRequestSlots?: Counter };
const runs = (g.__axsRunSlots ??= new Map<string, number>());
const mcpRequests = (g.__axsMcpRequestSlots ??= new Map<string, number>());

function take(counter: Counter, agentId: string, max: number): (() => void) | null {
  const now = counter.get(agentId) ?? 0;
  if (now >= max) return null;
  counter.set(agentId, now + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (counter.get(agentId) ?? 1) - 1;
    if (left <= 0) counter.delete(agentId);
    else counter.set(agentId, left);
  };
}

/** A release function, or null when the agent already has `max` runs in flight. */
export const takeRunSlot = (agentId: string, max: number): (() => void) | null => take(runs, agentId, max);

export const runsInFlight = (agentId: string): number => runs.get(agentId) ?? 0;

/** A release function, or null when the gateway already handles `max` MCP requests of the agent. */
export const takeMcpRequestSlot = (agentId: string, max: number): (() => void) | null => take(mcpRequests, agentId, max);
