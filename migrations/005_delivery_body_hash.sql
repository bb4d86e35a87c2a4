-- The sha256 of the exact text handed to the provider, kept (like the link's token hash) before the call,
-- so a message without a booking link that went out before a crash is still recognised at the provider.
ALTER TABLE deliveries ADD COLUMN body_hash text;
