// `backfill serve --demo`: a dental and aesthetics clinic with providers, chairs, services,
// 30 patients, 20 waitlist entries and a week of appointments, made through the same flows the API
// uses. Phones are in the fictional 555-01XX range and emails at example.com.
import { DateTime } from "luxon";
import { randomBytes } from "node:crypto";
import type { Priority, TimeWindow } from "../core/types.ts";
import { addResource, addService } from "./add-resource.ts";
import { addToWaitlist } from "./add-to-waitlist.ts";
import { bookAppointment } from "./book-appointment.ts";
import { cancelAppointment } from "./cancel-appointment.ts";
import { createClinic } from "./create-clinic.ts";
import type { Caller, Deps } from "./deps.ts";
import { registerPatient } from "./register-patient.ts";
import { createStaffUser } from "./staff-login.ts";

const TIMEZONE = "America/New_York";
const FIRST = [
  "Ava",
  "Liam",
  "Mia",
  "Noah",
  "Zoe",
  "Ethan",
  "Isla",
  "Lucas",
  "Nora",
  "Mateo",
  "Ivy",
  "Leo",
  "Ruby",
  "Owen",
  "Elena",
  "Caleb",
  "Hana",
  "Diego",
  "Priya",
  "Samir",
  "Grace",
  "Jonah",
  "Amara",
  "Felix",
  "Lena",
  "Omar",
  "Clara",
  "Theo",
  "Maya",
  "Rafael",
];
const LAST = [
  "Nguyen",
  "Patel",
  "Garcia",
  "Kim",
  "Okafor",
  "Rossi",
  "Cohen",
  "Silva",
  "Haddad",
  "Murphy",
  "Tanaka",
  "Novak",
  "Reyes",
  "Larsen",
  "Dubois",
  "Ibrahim",
  "Walsh",
  "Moreau",
  "Singh",
  "Baker",
  "Fischer",
  "Costa",
  "Ali",
  "Byrne",
  "Hughes",
  "Mendes",
  "Park",
  "Laine",
  "Vargas",
  "Quinn",
];

export interface Demo {
  clinicId: string;
  clinicName: string;
  timezone: string;
  apiKey: string;
  /** Dashboard logins made for the demo (front desk and admin), sharing one generated password. */
  staff: { email: string; role: string }[];
  staffPassword: string;
}

// The demo's dashboard logins. The password is made fresh each run (and printed): a demo left running
// on a reachable host must not open with a password everyone knows.
const DEMO_STAFF = [
  { email: "frontdesk@demo.example", name: "Front Desk (demo)", role: "front_desk" },
  { email: "admin@demo.example", name: "Clinic Admin (demo)", role: "admin" },
] as const;

export async function seedDemo(deps: Deps): Promise<Demo> {
  const clinicName = "Bright Smile Dental & Aesthetics (demo)";
  const created = await createClinic(deps, { name: clinicName, timezone: TIMEZONE }, "demo");
  if (!created.ok) throw new Error(`demo clinic: ${created.detail}`);
  const caller: Caller = { clinicId: created.value.clinic.id, actor: "demo" };
  const clinic = await addSampleResources(deps, caller);
  await addSampleWeek(deps, caller, TIMEZONE, clinic);
  const staffPassword = `demo-${randomBytes(9).toString("base64url")}`;
  for (const s of DEMO_STAFF) must(await createStaffUser(deps, caller, { ...s, password: staffPassword }));
  return {
    clinicId: caller.clinicId,
    clinicName,
    timezone: TIMEZONE,
    apiKey: created.value.apiKey,
    staff: DEMO_STAFF.map((s) => ({ email: s.email, role: s.role })),
    staffPassword,
  };
}

const must = <T>(r: { ok: true; value: T } | { ok: false; detail: string }): T => {
  if (!r.ok) throw new Error(`demo seed: ${r.detail}`);
  return r.value;
};

/** The clinic's people and rooms; the past month (simulate-past-month.ts) books them too. */
export interface SampleClinic {
  providers: { id: string }[];
  chairs: { id: string }[];
  services: { id: string; durationMinutes: number }[];
  patients: { id: string; phone: string | null }[];
}

export async function addSampleResources(deps: Deps, caller: Caller): Promise<SampleClinic> {
  const providers = [];
  for (const name of ["Dr. Alvarez", "Dr. Bennett", "Dr. Chen (hygienist)"]) {
    providers.push(must(await addResource(deps, caller, "providers", { name })));
  }
  const chairs = [];
  for (const name of ["Operatory 1", "Operatory 2", "Operatory 3", "Treatment room"]) {
    chairs.push(must(await addResource(deps, caller, "chairs", { name })));
  }
  const services = [];
  for (const s of [
    { name: "Cleaning", category: "hygiene", durationMinutes: 60, priceCents: 15_000 },
    { name: "Filling", category: "restorative", durationMinutes: 45, priceCents: 22_000 },
    { name: "Whitening", category: "facial", durationMinutes: 60, priceCents: 35_000 },
    { name: "Botox", category: "injectables", durationMinutes: 30, priceCents: 40_000 },
    { name: "Laser hair removal", category: "laser", durationMinutes: 45, priceCents: 25_000 },
    { name: "Hydrafacial", category: "facial", durationMinutes: 60, priceCents: 19_000 },
  ]) {
    services.push(must(await addService(deps, caller, s)));
  }

  const patients = [];
  for (let i = 0; i < 30; i++) {
    const n = String(100 + i).slice(1);
    patients.push(
      must(
        await registerPatient(deps, caller, {
          firstName: FIRST[i]!,
          lastName: LAST[i]!,
          phone: `+1617555${n.padStart(4, "01")}`,
          email: `${FIRST[i]!.toLowerCase()}.${LAST[i]!.toLowerCase()}@example.com`,
          timezone: i % 7 === 3 ? "America/Los_Angeles" : null,
          smsConsent: i % 5 !== 4,
          emailConsent: true,
          voiceConsent: i % 3 === 0,
          preferredChannel: i % 4 === 1 ? "EMAIL" : "SMS",
        }),
      ),
    );
  }
  return { providers, chairs, services, patients };
}

/** A week of appointments from tomorrow, 20 waitlist entries, and one cancellation being offered. */
export async function addSampleWeek(deps: Deps, caller: Caller, timezone: string, clinic: SampleClinic): Promise<{ appointments: number; entries: number }> {
  const { providers, chairs, services, patients } = clinic;
  // A week of appointments: weekdays 09:00–17:00 clinic time, a 60% full book.
  const today = DateTime.fromJSDate(deps.clock.now(), { zone: timezone }).startOf("day");
  let k = 0;
  const booked: string[] = [];
  for (let day = 1; day <= 7; day++) {
    const date = today.plus({ days: day });
    if (date.weekday > 5) continue;
    for (const [p, provider] of providers.entries()) {
      for (let hour = 9; hour < 17; hour++) {
        k++;
        if ((k * 7 + p) % 10 >= 6) continue; // leave gaps
        const service = services[(k + p) % services.length]!;
        booked.push(
          must(
            await bookAppointment(deps, caller, {
              patientId: patients[k % patients.length]!.id,
              providerId: provider.id,
              chairId: chairs[p]!.id,
              serviceId: service.id,
              start: date.set({ hour }).toJSDate(),
            }),
          ).id,
        );
      }
    }
  }

  const windows: TimeWindow[][] = [
    [],
    [{ weekdays: [1, 2, 3, 4, 5], start: "08:00", end: "12:00" }],
    [{ weekdays: [1, 3, 5], start: "12:00", end: "18:00" }],
    [
      { weekdays: [2, 4], start: "09:00", end: "17:00" },
      { weekdays: [6], start: "09:00", end: "13:00" },
    ],
  ];
  const priorities: Priority[] = ["normal", "normal", "high", "normal", "urgent"];
  for (let i = 0; i < 20; i++) {
    must(
      await addToWaitlist(deps, caller, {
        patientId: patients[(i * 7) % patients.length]!.id,
        serviceId: services[i % services.length]!.id,
        providerIds: i % 3 === 0 ? [providers[i % providers.length]!.id] : [],
        windows: windows[i % windows.length],
        priority: priorities[i % priorities.length],
        minNoticeMinutes: i % 4 === 0 ? 120 : 0,
        preferredTime: i % 5 === 2 ? "10:00" : null,
        latestDate: today.plus({ days: 30 }).toISODate(),
      }),
    );
  }
  // A patient cancels tomorrow's first appointment: the waitlist flow offers it on its own, and the
  // offer shows up in the dev outbox (GET /api/dev/outbox).
  if (booked[0]) must(await cancelAppointment(deps, caller, booked[0], { by: "patient", reason: "demo: called to cancel", confirm: true }));
  return { appointments: booked.length, entries: 20 };
}
