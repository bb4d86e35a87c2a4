-- Closures: times the whole clinic (provider_id NULL) or one provider is closed. Openings inside an
-- active (not deleted) closure are never offered. Removing a closure is a soft delete (deleted_at).
CREATE TABLE closures (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id   uuid NOT NULL REFERENCES clinics(id),
  provider_id uuid,
  start_at    timestamptz NOT NULL,
  end_at      timestamptz NOT NULL,
  reason      text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL,
  deleted_at  timestamptz,
  CHECK (end_at > start_at),
  UNIQUE (clinic_id, id),
  FOREIGN KEY (clinic_id, provider_id) REFERENCES providers (clinic_id, id)
);

CREATE INDEX closures_active ON closures (clinic_id, start_at) WHERE deleted_at IS NULL;
