// The cap on an agent's simultaneous runs (API-NOTES "Execution": the earlier implementation
// capped running runs per agent at 5). Held in this process: a slot is taken before the upstream
// call and always given back. Several instances each apply the cap to the calls they serve.
const g = globalThis as unknown as { __axsRunSlots?: Map<string, number> };
const running = (g.__axsRunSlots ??= new Map<string, number>());

/** A release function, or null when the agent already has `max` runs in flight. */
export function takeRunSlot(agentId: string, max: number): (() => void) | null {
  const now = running.get(agentId) ?? 0;
  if (now >= max) return null;
  running.set(agentId, now + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (running.get(agentId) ?? 1) - 1;
    if (left <= 0) running.delete(agentId);
    else running.set(agentId, left);
  };
}

export const runsInFlight = (agentId: string): number => running.get(agentId) ?? 0;
