-- Staff logins for the dashboard. API keys stay for machines; people sign in with an email and a
-- password (scrypt, see src/flows/staff-login.ts) and get a session cookie. A role maps to the API
-- permissions (src/core/permissions.ts): admin = all four, front_desk = waitlist + schedule +
-- analytics, viewer = analytics.

CREATE TABLE staff_users (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id      uuid NOT NULL REFERENCES clinics(id),
  -- Stored lowercased, so the unique index is case-insensitive in effect.
  email          text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 320),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- scrypt$N$r$p$salt$hash (base64url): never the password itself.
  password_hash  text NOT NULL CHECK (password_hash LIKE 'scrypt$%'),
  role           text NOT NULL CHECK (role IN ('admin', 'front_desk', 'viewer')),
  created_at     timestamptz NOT NULL,
  disabled_at    timestamptz,
  UNIQUE (clinic_id, id),
  UNIQUE (clinic_id, email)
);
-- Logging in names no clinic: the email finds the user (one login per email per clinic).
CREATE INDEX staff_users_email ON staff_users (email);

CREATE TABLE staff_sessions (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinic_id      uuid NOT NULL,
  staff_user_id  uuid NOT NULL,
  -- sha256 of the cookie's random token: the token itself is never stored.
  token_hash     text NOT NULL UNIQUE,
  -- The key the session's CSRF tokens are derived from (synchronizer token pattern).
  csrf_secret    text NOT NULL,
  created_at     timestamptz NOT NULL,
  -- Sliding: moved to now + 12 h as the session is used.
  expires_at     timestamptz NOT NULL,
  revoked_at     timestamptz,
  FOREIGN KEY (clinic_id, staff_user_id) REFERENCES staff_users (clinic_id, id)
);
CREATE INDEX staff_sessions_user ON staff_sessions (clinic_id, staff_user_id);
