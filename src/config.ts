// Parses the environment once, at the edge. Everything else receives a Config.

export type DatabaseConfig =
  | { kind: "server"; url: string }
  | { kind: "embedded"; dataDir: string; throwaway: boolean };

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
  };
}
