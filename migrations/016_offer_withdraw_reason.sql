-- Why an offer was withdrawn is one of the offer decider's reasons (src/core/offer.ts WITHDRAW_REASONS):
-- the column was free text since 002. The words are the ones the code has always written.
ALTER TABLE offers ADD CONSTRAINT offers_withdraw_reason CHECK (
  withdraw_reason IN ('filled', 'closed', 'expired', 'entry_removed', 'booked_elsewhere', 'unreachable', 'cap', 'too_late')
);
