// The register form's text → the API's shape: args one per line, NAME=value lines, blanks left
// out; and what the API's schema refuses is refused here under the same field names.
import { describe, expect, it } from 'vitest';
import { fieldErrors } from '@/lib/api/validation';
import { createMcpServerForm } from './form-schemas';

const ENV = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const REF = '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d';

const parse = (form: Record<string, string>) => createMcpServerForm.safeParse({ environment_id: ENV, name: 'Everything', ...form });
const errorsOf = (form: Record<string, string>) => {
  const result = parse(form);
  expect(result.success).toBe(false);
  return result.success ? {} : fieldErrors(result.error);
};

describe('createMcpServerForm', () => {
  it('turns a stdio form into the API shape', () => {
    const result = parse({
      server_type: 'stdio',
      command: ' mcp-server-everything ',
      args: 'stdio\r\n\r\n  --verbose  \n',
      env_vars: `LOG_LEVEL=debug\r\nTOKEN=secret_ref:${REF}\nEMPTY=\nURL=https://a.example/?x=1`,
      slug: '',
      description: '',
      endpoint: '',
    });
    expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
    expect(result.data).toMatchObject({
      server_type: 'stdio',
      command: 'mcp-server-everything',
      args: ['stdio', '--verbose'],
      env_vars: { LOG_LEVEL: 'debug', TOKEN: `secret_ref:${REF}`, EMPTY: '', URL: 'https://a.example/?x=1' },
      auth_method: 'none',
      enabled: true,
    });
    expect(result.data).not.toHaveProperty('slug');
    expect(result.data).not.toHaveProperty('endpoint');
  });

  it('turns an http form into the API shape, with no args or variables', () => {
    const result = parse({ server_type: 'http', endpoint: 'http://127.0.0.1:3001/mcp', auth_method: 'bearer', secret_ref: REF });
    expect(result.success).toBe(true);
    expect(result.data).toMatchObject({ endpoint: 'http://127.0.0.1:3001/mcp', args: [], env_vars: {}, auth_method: 'bearer', secret_ref: REF });
  });

  it('names the field of each refusal', () => {
    expect(Object.keys(errorsOf({ server_type: 'stdio', command: 'x', env_vars: 'JUST_A_NAME' }))).toEqual(['env_vars']);
    expect(errorsOf({ server_type: 'stdio', command: 'x', env_vars: 'A=1\nA=2' }).env_vars).toEqual(['Line 2: A is set twice']);
    expect(Object.keys(errorsOf({ server_type: 'stdio', command: 'x', env_vars: '=value' }))).toEqual(['env_vars']);
    expect(Object.keys(errorsOf({ server_type: 'http', endpoint: 'https://user:pw@a.example/mcp' }))).toEqual(['endpoint']);
    expect(Object.keys(errorsOf({ server_type: 'smtp' }))).toEqual(['server_type']);
    expect(Object.keys(errorsOf({ server_type: 'http', endpoint: 'https://a.example/mcp', slug: 'Not A Slug' }))).toEqual(['slug']);
    expect(Object.keys(errorsOf({ server_type: 'stdio', command: 'x', args: Array.from({ length: 101 }, (_, i) => `a${i}`).join('\n') }))).toEqual(['args']);
    expect(Object.keys(errorsOf({ server_type: 'http', endpoint: 'https://a.example/mcp', name: ' ' }))).toEqual(['name']);
  });

  it('refuses fields the API does not take', () => {
    expect(errorsOf({ server_type: 'http', endpoint: 'https://a.example/mcp', shell: 'yes' })).toEqual({ shell: ['Unknown field'] });
  });
});
