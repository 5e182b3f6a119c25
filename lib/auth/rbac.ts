// The role matrix: the one table that says which organization role may do what. Every endpoint,
// REST or server action, names a permission from here; nothing else compares roles.
// Roles are ordered: each includes everything the roles below it may do.
import { AppError } from '@/lib/api/errors';

export const ROLES = ['viewer', 'member', 'admin', 'owner'] as const;
export type OrgRole = (typeof ROLES)[number];

export const PERMISSIONS = {
  // viewer: read everything in the organization
  'org.read': 'viewer',
  'env.read': 'viewer',
  'member.read': 'viewer',
  'audit.read': 'viewer',
  // member: run tools, edit the canvas, manage agents, tools, connections, resources and prompts
  'run.execute': 'member',
  'canvas.edit': 'member',
  'agent.manage': 'member',
  'tool.manage': 'member',
  'connection.manage': 'member',
  'resource.manage': 'member',
  'prompt.manage': 'member',
  // admin: policies, service accounts, secrets, tokens, MCP server registrations, environments,
  // and memberships below owner
  'env.manage': 'admin',
  // Where a connection points and which credentials it sends there: a member could otherwise send
  // the organization's secrets to a server of their choosing.
  'connection.endpoint': 'admin',
  'member.manage': 'admin',
  'policy.manage': 'admin',
  'service_account.manage': 'admin',
  'secret.manage': 'admin',
  'token.manage': 'admin',
  'mcp_server.manage': 'admin',
  // Accepting a tool definition that changed upstream since it was approved (pending_review): a
  // redefined tool may now do something else, so taking it is an admin decision, not a member's.
  'tool.approve': 'admin',
  // owner: the organization itself, and who else is owner
  'org.update': 'owner',
  'org.delete': 'owner',
  'owner.manage': 'owner',
} as const satisfies Record<string, OrgRole>;

export type Permission = keyof typeof PERMISSIONS;

export function isRole(value: unknown): value is OrgRole {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function roleRank(role: OrgRole): number {
  return ROLES.indexOf(role);
}

export function can(role: OrgRole, permission: Permission): boolean {
  return roleRank(role) >= roleRank(PERMISSIONS[permission]);
}

/** Throws 403 naming the role needed. (Non-members never get here: they get 404.) */
export function requirePermission(role: OrgRole, permission: Permission): void {
  if (!can(role, permission)) {
    throw new AppError('forbidden', `This needs the ${PERMISSIONS[permission]} role or higher`, {
      permission,
      role,
      required_role: PERMISSIONS[permission],
    });
  }
}
