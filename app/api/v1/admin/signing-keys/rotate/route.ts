// POST /api/v1/admin/signing-keys/rotate/ – new agent-token signing key; old keys keep verifying
// until their tokens have expired (instance administrator).
import { recordAudit } from '@/lib/audit/record';
import { apiRoute, json } from '@/lib/api/route';
import { requireInstanceAdmin } from '@/lib/auth/instance-admin';
import { rotateSigningKey } from '@/lib/auth/signing-keys';

export const POST = apiRoute({ auth: 'user' }, async ({ ctx }) => {
  requireInstanceAdmin(ctx);
  const result = await rotateSigningKey();
  await recordAudit(ctx.db, ctx, {
    organizationId: null,
    action: 'signing_key.rotate',
    eventType: 'signing_key_rotated',
    target: `signing_key:${result.kid}`,
    data: { previous_kids: result.previous },
  });
  return json({ kid: result.kid, previous_kids: result.previous }, 201);
});
