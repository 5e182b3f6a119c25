import { describe, expect, it } from 'vitest';
import { axisTicks, layoutTimeline, MIN_BAR_PERCENT } from './timeline-layout';

const run = (status: string, durationMs: number) => ({ status, started_at: '2026-01-01T00:00:00.000Z', created_at: '2026-01-01T00:00:00.000Z', duration_ms: durationMs });
const step = (id: string, endMs: number, durationMs: number | null) => ({
  id,
  step_type: id,
  timestamp: new Date(Date.parse('2026-01-01T00:00:00.000Z') + endMs).toISOString(),
  duration_ms: durationMs,
});

describe('layoutTimeline', () => {
  it('places each step at its start (its timestamp minus its duration) and sizes it by its duration', () => {
    const { totalMs, steps } = layoutTimeline(run('succeeded', 100), [step('resolve', 10, 10), step('policy', 12, 2), step('upstream', 90, 78)]);
    expect(totalMs).toBe(100);
    expect(steps.map((s) => [s.offsetMs, s.durationMs])).toEqual([
      [0, 10],
      [10, 2],
      [12, 78],
    ]);
    expect(steps[2]!.left).toBeCloseTo(12);
    expect(steps[2]!.width).toBeCloseTo(78);
    expect(steps.some((s) => s.failed)).toBe(false);
  });

  it('marks the last step of a failed run, keeps 0 ms steps visible, and never leaves the axis', () => {
    const { steps } = layoutTimeline(run('failed', 5), [step('resolve', 3, 3), step('policy', 5, 0)]);
    expect(steps.map((s) => s.failed)).toEqual([false, true]);
    expect(steps[1]!.width).toBeGreaterThanOrEqual(MIN_BAR_PERCENT);
    for (const s of steps) expect(s.left + s.width).toBeLessThanOrEqual(100);
  });

  it('stretches the axis to a step that ends after the recorded duration; a clock skew never goes below 0', () => {
    const { totalMs, steps } = layoutTimeline(run('succeeded', 10), [step('resolve', 2, 5), step('upstream', 20, 18)]);
    expect(totalMs).toBe(20);
    expect(steps[0]!.offsetMs).toBe(0);
  });

  it('ticks the axis in quarters', () => {
    expect(axisTicks(200).map((t) => t.ms)).toEqual([0, 50, 100, 150, 200]);
  });
});
