-- One word, one meaning (issue 10): "claim" is the atomic accept of an offer; the 90 s hold of a slot while
-- the accepting patient pays a deposit or prepayment is a "payment hold". The table and its indexes take
-- that name; columns, constraints' rules and data are unchanged. (The HTTP answer keeps API.md's wire
-- names, `status: "CLAIMED"` and `claimExpiresAt`.)
ALTER TABLE claims RENAME TO payment_holds;
ALTER INDEX claims_one_open_per_opening RENAME TO payment_holds_one_open_per_opening;
ALTER INDEX claims_due RENAME TO payment_holds_due;
ALTER INDEX claims_offer RENAME TO payment_holds_offer;
