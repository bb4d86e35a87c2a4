// Parses the environment once, at the edge. Everything else receives a Config.

export type DatabaseConfig = { kind: "server"; url: string } | { kind: "embedded"; dataDir: string; throwaway: boolean };

/** Twilio: live when the account SID, auth token and a sender are all set. */
export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  from: string | null;
  messagingServiceSid: string | null;
  /** Where the REST API lives; tests point it at a local fake. */
  apiBase: string;
}

export interface SmtpConfig {
  url: string;
  from: string;
}

export interface PushConfig {
  publicKey: string;
  privateKey: string;
  subject: string;
}

export interface ChannelConfig {
  twilio: TwilioConfig | null;
  /** Set whenever TWILIO_AUTH_TOKEN is: webhook signatures are checked even while messages go to the outbox. */
  twilioAuthToken: string | null;
  smtp: SmtpConfig | null;
  /** VAPID keys from the environment; null → generated at first start and kept in the database. */
  push: PushConfig | null;
  /** The clinic-facing phone number patients can call (voice messages, HELP replies). */
  clinicPhone: string | null;
}

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  database: DatabaseConfig;
  adminToken: string | null;
  production: boolean;
  testClock: boolean;
  /** Requests per minute per API key (or per IP when unauthenticated). */
  rateLimitPerMinute: number;
  logLevel: string;
  channels: ChannelConfig;
}

export class ConfigError extends Error {}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const port = intFrom(env, "PORT", 3000, 0, 65535);
  const dataDir = env.BACKFILL_DATA_DIR || "./.backfill";
  const database: DatabaseConfig = env.DATABASE_URL
    ? { kind: "server", url: env.DATABASE_URL }
    : { kind: "embedded", dataDir, throwaway: dataDir === "memory://" };
  if (env.DATABASE_URL && !/^postgres(ql)?:\/\//.test(env.DATABASE_URL)) {
    throw new ConfigError("DATABASE_URL must start with postgres:// or postgresql://");
  }
  const publicUrl = (env.BACKFILL_PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, "");
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(`BACKFILL_PUBLIC_URL is not a URL: "${publicUrl}"`);
  }
  const adminToken = env.BACKFILL_ADMIN_TOKEN || null;
  if (adminToken !== null && adminToken.length < 16) {
    throw new ConfigError("BACKFILL_ADMIN_TOKEN must be at least 16 characters");
  }
  return {
    port,
    host: env.HOST || "0.0.0.0",
    publicUrl,
    database,
    adminToken,
    production: env.NODE_ENV === "production",
    testClock: env.BACKFILL_TEST_CLOCK === "1",
    rateLimitPerMinute: intFrom(env, "BACKFILL_RATE_LIMIT", 1200, 1, 1_000_000),
    logLevel: env.LOG_LEVEL || "info",
    channels: parseChannels(env),
  };
}

function parseChannels(env: NodeJS.ProcessEnv): ChannelConfig {
  const sid = env.TWILIO_ACCOUNT_SID || null;
  const token = env.TWILIO_AUTH_TOKEN || null;
  const from = env.TWILIO_FROM || null;
  const service = env.TWILIO_MESSAGING_SERVICE_SID || null;
  const apiBase = (env.TWILIO_API_BASE || "https://api.twilio.com").replace(/\/+$/, "");
  if (sid && !/^AC[0-9a-fA-F]{32}$/.test(sid)) throw new ConfigError("TWILIO_ACCOUNT_SID must look like AC followed by 32 hex digits");
  if (from && !/^\+[1-9]\d{6,14}$/.test(from)) throw new ConfigError("TWILIO_FROM must be an E.164 number like +15551234567");
  const smtpUrl = env.SMTP_URL || null;
  const mailFrom = env.MAIL_FROM || null;
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) throw new ConfigError("SMTP_URL must start with smtp:// or smtps://");
  const vapidPublic = env.VAPID_PUBLIC_KEY || null;
  const vapidPrivate = env.VAPID_PRIVATE_KEY || null;
  if (Boolean(vapidPublic) !== Boolean(vapidPrivate)) throw new ConfigError("set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY, or neither");
  return {
    twilio: sid && token && (from || service) ? { accountSid: sid, authToken: token, from, messagingServiceSid: service, apiBase } : null,
    twilioAuthToken: token,
    smtp: smtpUrl && mailFrom ? { url: smtpUrl, from: mailFrom } : null,
    push: vapidPublic && vapidPrivate ? { publicKey: vapidPublic, privateKey: vapidPrivate, subject: env.VAPID_SUBJECT || "mailto:admin@localhost" } : null,
    clinicPhone: env.BACKFILL_CLINIC_PHONE || null,
  };
}
