// The create form's two ways to reach a server: by URL (the registration field is not sent on) or
// through a registration (the URL, transport and credential fields are not sent on).
import { describe, expect, it } from 'vitest';
import { fieldErrors } from '@/lib/api/validation';
import { createConnectionForm } from './form-schemas';

const ENV = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const REG = '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d';

const parse = (form: Record<string, string>) => createConnectionForm.safeParse({ environment_id: ENV, name: 'everything', ...form });

describe('createConnectionForm', () => {
  it('by URL (also when the form names no way, as before the choice existed)', () => {
    for (const reach of [{ reach: 'url' }, {}] as Record<string, string>[]) {
      const result = parse({ ...reach, endpoint: 'http://127.0.0.1:3001/mcp', transport: '', auth_method: 'none', mcp_server_registration_id: REG });
      expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
      expect(result.data).toEqual({ environment_id: ENV, name: 'everything', endpoint: 'http://127.0.0.1:3001/mcp', auth_method: 'none', enabled: true });
    }
  });

  it('through a registration: no endpoint, transport or credentials', () => {
    const result = parse({ reach: 'registration', mcp_server_registration_id: REG, endpoint: 'http://elsewhere.example/mcp', transport: 'sse', auth_method: 'bearer', secret_ref: REG });
    expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
    expect(result.data).toEqual({ environment_id: ENV, name: 'everything', mcp_server_registration_id: REG, auth_method: 'none', enabled: true });
  });

  it('asks for the registration when none is chosen, and for a way it knows', () => {
    for (const form of [{ reach: 'registration' }, { reach: 'registration', mcp_server_registration_id: '' }] as Record<string, string>[]) {
      const result = parse(form);
      expect(result.success).toBe(false);
      expect(fieldErrors(result.error!)).toEqual({ mcp_server_registration_id: ['Choose a registered MCP server'] });
    }
    expect(Object.keys(fieldErrors(parse({ reach: 'registration', mcp_server_registration_id: 'nope' }).error!))).toEqual(['mcp_server_registration_id']);
    expect(Object.keys(fieldErrors(parse({ reach: 'carrier-pigeon', endpoint: 'https://a.example/mcp' }).error!))).toEqual(['reach']);
  });
});
