-- Web push opt-in is consent like the others (issue 10): the history keeps the words the patient agreed
-- to, next to its source and time. Null for rows written before (their wording was not recorded).
ALTER TABLE consent_events ADD COLUMN wording text;
