// The context every service receives: who is calling, on which database, for which request.
// Org-scoped fields (orgId, envId, role) are filled by the route wrapper once the tenancy layer
// has resolved them; a service for org-owned data filters every query by ctx.orgId.
import type { Db } from '@/db/client';

export interface UserActor {
  kind: 'user';
  userId: string;
  email: string;
  isInstanceAdmin: boolean;
  /** How the request proved the identity. */
  via: 'api_token' | 'session';
  /** The API token used, when via = api_token (logout deletes it). */
  tokenId?: string;
}

export interface AgentActor {
  kind: 'agent';
  agentId: string;
  orgId: string;
  envId: string;
  /** The platform JWT's id (null when the agent used its static BEARER secret or its certificate). */
  jti: string | null;
  /** Static credentials only: a fingerprint of the secret or certificate used, never the credential itself. */
  credential?: string;
  scopes: string[];
  via: 'agent_jwt' | 'bearer_secret' | 'mtls';
}

export interface AnonymousActor {
  kind: 'anonymous';
}

export type Actor = UserActor | AgentActor | AnonymousActor;

export interface Ctx {
  db: Db;
  actor: Actor;
  requestId: string;
  /** Identifies the client for throttling: its address, or a shared key when it is unknown. */
  clientKey: string;
}

export interface UserCtx extends Ctx {
  actor: UserActor;
}

export interface AgentCtx extends Ctx {
  actor: AgentActor;
}
