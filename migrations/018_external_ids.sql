-- The clinic's own systems (issue 11): each record a practice-management system syncs carries that
-- system's id. Optional, 1–128 characters, unique per clinic and kind (the UNIQUE constraints below, named
-- so a duplicate maps to 409 `conflict`; NULLs never collide). The clinic_id leads each key, so the schema
-- stays distributable by clinic. Proven by test/http/sync.test.ts.
ALTER TABLE patients ADD COLUMN external_id text CHECK (char_length(external_id) BETWEEN 1 AND 128);
ALTER TABLE patients ADD CONSTRAINT patients_external_id UNIQUE (clinic_id, external_id);
ALTER TABLE providers ADD COLUMN external_id text CHECK (char_length(external_id) BETWEEN 1 AND 128);
ALTER TABLE providers ADD CONSTRAINT providers_external_id UNIQUE (clinic_id, external_id);
ALTER TABLE chairs ADD COLUMN external_id text CHECK (char_length(external_id) BETWEEN 1 AND 128);
ALTER TABLE chairs ADD CONSTRAINT chairs_external_id UNIQUE (clinic_id, external_id);
ALTER TABLE services ADD COLUMN external_id text CHECK (char_length(external_id) BETWEEN 1 AND 128);
ALTER TABLE services ADD CONSTRAINT services_external_id UNIQUE (clinic_id, external_id);
ALTER TABLE appointments ADD COLUMN external_id text CHECK (char_length(external_id) BETWEEN 1 AND 128);
ALTER TABLE appointments ADD CONSTRAINT appointments_external_id UNIQUE (clinic_id, external_id);
ALTER TABLE waitlist_entries ADD COLUMN external_id text CHECK (char_length(external_id) BETWEEN 1 AND 128);
ALTER TABLE waitlist_entries ADD CONSTRAINT waitlist_entries_external_id UNIQUE (clinic_id, external_id);
