-- Live status for open pages (the patient's offer page, the staff dashboard): every change of an offer's
-- or an opening's status is announced on the channel backfill_events as JSON
-- { clinicId, kind: "offer" | "opening", id, openingId, status }. NOTIFY is delivered at commit, so only
-- committed changes are announced, and a rolled-back claim announces nothing. New rows are announced too
-- (a dashboard shows new openings and offers as they appear).
CREATE FUNCTION backfill_notify_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  kind text;
  opening uuid;
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status IS NOT DISTINCT FROM NEW.status THEN
    RETURN NULL;
  END IF;
  -- Separate statements: each is planned only when run, and openings have no opening_id column.
  IF TG_TABLE_NAME = 'offers' THEN
    kind := 'offer';
    opening := NEW.opening_id;
  ELSE
    kind := 'opening';
    opening := NEW.id;
  END IF;
  PERFORM pg_notify('backfill_events', json_build_object(
    'clinicId', NEW.clinic_id, 'kind', kind, 'id', NEW.id, 'openingId', opening, 'status', NEW.status
  )::text);
  RETURN NULL;
END $$;

CREATE TRIGGER offers_live AFTER INSERT OR UPDATE OF status ON offers
  FOR EACH ROW EXECUTE FUNCTION backfill_notify_event();
CREATE TRIGGER openings_live AFTER INSERT OR UPDATE OF status ON openings
  FOR EACH ROW EXECUTE FUNCTION backfill_notify_event();
