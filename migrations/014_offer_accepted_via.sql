-- The channel a patient's yes came through: SMS for a text reply, VOICE for a keypress, and for the
-- booking link the channel of the delivery whose link was opened (links are per delivery). Null when
-- staff recorded the yes; analytics then credit the last offer message that reached the patient.
-- Conversion by channel used to credit the first planned channel, so a fallback email that got the
-- booking was invisible.
ALTER TABLE offers ADD COLUMN accepted_via text CHECK (accepted_via IN ('SMS', 'EMAIL', 'VOICE', 'PUSH', 'MANUAL'));
