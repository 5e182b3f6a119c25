import { describe, expect, it } from 'vitest';
import { fieldErrors } from '@/lib/api/validation';
import { inputSkeleton, runToolForm } from './run-form-schema';

const TOOL = '0b7f8d2e-4c1a-4f7e-9a55-3d2f1e6c8b90';
const AGENT = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';

describe('runToolForm', () => {
  it('reads the JSON input, an empty one as {}, and the optional timeout', () => {
    expect(runToolForm.parse({ tool_id: TOOL, agent_id: AGENT, input_data: '{"text":"hi"}', timeout_seconds: '5' })).toEqual({
      tool_id: TOOL,
      agent_id: AGENT,
      input_data: { text: 'hi' },
      timeout_seconds: 5,
    });
    expect(runToolForm.parse({ tool_id: TOOL, agent_id: AGENT, input_data: '  ', timeout_seconds: '' })).toMatchObject({ input_data: {}, timeout_seconds: undefined });
  });

  it('names the field of each mistake', () => {
    const bad = runToolForm.safeParse({ tool_id: TOOL, agent_id: '', input_data: '[1]', timeout_seconds: '-1' });
    expect(bad.success).toBe(false);
    const fields = fieldErrors(bad.error!);
    expect(fields.agent_id).toEqual(['Choose the agent to run the tool as']);
    expect(fields.input_data).toEqual(['Must be a JSON object, e.g. {"text": "hello"}']);
    expect(fields.timeout_seconds).toEqual(['Must be more than 0']);
    expect(fieldErrors(runToolForm.safeParse({ tool_id: TOOL, agent_id: AGENT, input_data: '{oops' }).error!).input_data).toEqual(['Not valid JSON']);
  });
});

describe('inputSkeleton', () => {
  it('gives every property a value of its type, its default or first enum value', () => {
    const schema = {
      type: 'object',
      properties: {
        text: { type: 'string' },
        count: { type: 'integer', default: 3 },
        mode: { enum: ['fast', 'slow'] },
        flags: { type: 'array' },
        nested: { type: 'object', properties: { on: { type: 'boolean' } } },
        anything: {},
      },
    };
    expect(JSON.parse(inputSkeleton(schema))).toEqual({ text: '', count: 3, mode: 'fast', flags: [], nested: { on: false }, anything: null });
    expect(inputSkeleton({})).toBe('{}');
    expect(inputSkeleton(null)).toBe('{}');
  });
});
