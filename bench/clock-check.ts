// The hidden-style check of the test clock, against a running service (issue 10 item 1): cancel an
// appointment, move the clock by 0, read the outbox at once; the offer text must already be there.
// Repeated N times, it prints how many reads missed it. Not a test: it asserts nothing and times nothing.
//
//   BACKFILL_TEST_CLOCK=1 BACKFILL_ADMIN_TOKEN=… BACKFILL_DATA_DIR=memory:// npm start
//   BACKFILL_URL=http://127.0.0.1:3000 BACKFILL_ADMIN_TOKEN=… node --import tsx bench/clock-check.ts [100]
const base = process.env.BACKFILL_URL ?? "http://127.0.0.1:3000";
const admin = process.env.BACKFILL_ADMIN_TOKEN;
const rounds = Number(process.argv[2] ?? 100);
if (!admin) throw new Error("set BACKFILL_ADMIN_TOKEN to the service's admin token");

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function api(method: "GET" | "POST", path: string, key: string, body?: unknown): Promise<Answer> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function made(path: string, key: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await api("POST", path, key, body);
  if (res.status !== 201 && res.status !== 200) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

// Weekday mornings in New York, a day apart, so that quiet hours and the daily cap never decide.
const { now } = (await api("GET", "/api/dev/clock", admin)).body as { now: string };
let day = new Date(Math.max(Date.parse("2036-03-03T15:00:00Z"), Date.parse(now) + 86_400_000));
day = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 15));
await made("/api/dev/clock", admin, { now: day.toISOString() });

const clinic = await made("/api/admin/clinics", admin, { name: "Clock Check", timezone: "America/New_York" });
const key = clinic.apiKey as string;
const service = await made("/api/booking/services", key, { name: "Cleaning", category: "hygiene", durationMinutes: 30, priceCents: 100 });
const booked = await made("/api/booking/patients", key, { firstName: "Booked", lastName: "Patient", phone: "+16175559000", smsConsent: true });

let misses = 0;
for (let i = 0; i < rounds; i++) {
  // A provider of its own each round: the opening goes to this round's waiter and nobody else's.
  const provider = await made("/api/booking/providers", key, { name: `Dr ${i}` });
  const phone = `+1617556${String(i).padStart(4, "0")}`;
  const waiter = await made("/api/booking/patients", key, { firstName: "Wait", lastName: `Er${i}`, phone, smsConsent: true });
  await made("/api/booking/waitlist", key, { patientId: waiter.id, serviceId: service.id, providerIds: [provider.id] });
  const start = new Date(day.getTime() + 86_400_000 + (i % 8) * 3_600_000).toISOString();
  const appointment = await made("/api/booking/appointments", key, { patientId: booked.id, providerId: provider.id, serviceId: service.id, start });
  await made(`/api/booking/appointments/${appointment.id}/cancel`, key, { by: "staff" });
  await made("/api/dev/clock", admin, { advanceMinutes: 0 });
  const outbox = await api("GET", `/api/dev/outbox?to=${encodeURIComponent(phone)}`, key);
  if (((outbox.body.items as unknown[]) ?? []).length === 0) misses++;
}
console.log(`clock check: ${rounds} rounds (cancel, move the clock by 0, read the outbox at once): ${misses} misses`);
