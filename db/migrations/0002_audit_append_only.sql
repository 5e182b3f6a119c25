-- Audit events are append-only, enforced in the database so no code path of the app can rewrite
-- history (lib/audit/chain.ts describes the chain).
--
--  * INSERT: events arrive unchained (seq, prev_hash, hash, canonical all NULL): only the chainer
--    places an event in the chain, so an insert cannot forge a position or jam the chainer on the
--    (organization_id, seq) unique index. ts is truncated to milliseconds, the precision of the
--    canonical text, so that text describes the stored value exactly.
--  * UPDATE: allowed once per event, by the chainer: the row must still be unchained
--    (OLD.hash IS NULL) and only seq, prev_hash, hash and canonical may change. The check
--    compares whole rows (NEW with OLD's chain columns against OLD), so a column added later is
--    protected too — as long as its type has an equality operator (jsonb, not json).
--  * DELETE: refused, except when the event's organization no longer exists: that is the
--    ON DELETE CASCADE from deleting an organization, which removes the organization's whole
--    trail. Events without an organization (the instance chain) can never be deleted.
--  * TRUNCATE: refused.
--
-- A database superuser can still bypass all of this (SET session_replication_role = replica,
-- ALTER TABLE … DISABLE TRIGGER, or editing the files). That is what the hash chain is for:
-- such edits cannot be prevented here, but GET /api/v1/orgs/{org_id}/audit/verify/ detects them.
-- A data-only pg_restore needs --disable-triggers (a full restore creates the triggers after
-- loading the data).
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  probe audit_events;
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.seq IS NOT NULL OR NEW.prev_hash IS NOT NULL OR NEW.hash IS NOT NULL OR NEW.canonical IS NOT NULL THEN
      RAISE EXCEPTION 'audit events are inserted unchained; the chainer assigns seq and hash'
        USING ERRCODE = 'restrict_violation';
    END IF;
    NEW.ts := date_trunc('milliseconds', NEW.ts);
    RETURN NEW;
  ELSIF TG_OP = 'UPDATE' THEN
    probe := NEW;
    probe.seq := OLD.seq;
    probe.prev_hash := OLD.prev_hash;
    probe.hash := OLD.hash;
    probe.canonical := OLD.canonical;
    IF OLD.hash IS NULL AND probe IS NOT DISTINCT FROM OLD THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: event % cannot be changed', OLD.id
      USING ERRCODE = 'restrict_violation';
  ELSIF TG_OP = 'DELETE' THEN
    IF OLD.organization_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM organizations WHERE id = OLD.organization_id) THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: event % cannot be deleted', OLD.id
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_events_no_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only: the table cannot be truncated'
    USING ERRCODE = 'restrict_violation';
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_append_only
  BEFORE INSERT OR UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_no_truncate();
--> statement-breakpoint
-- A deleted organization's trail is gone (cascade), so its chain head goes too. The chainer locks
-- the organization row (FOR KEY SHARE) before the head, so this never deadlocks with it.
CREATE OR REPLACE FUNCTION audit_chain_heads_drop_org() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM audit_chain_heads WHERE chain_key = OLD.id::text;
  RETURN OLD;
END
$$;
--> statement-breakpoint
CREATE TRIGGER organizations_drop_audit_chain_head
  AFTER DELETE ON organizations
  FOR EACH ROW EXECUTE FUNCTION audit_chain_heads_drop_org();
