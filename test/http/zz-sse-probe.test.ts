import http from "node:http";
import { after, test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { startLiveEvents } from "../../src/web/live.ts";
import { aClinic, anEntry, anOpening, aPatient, aProvider, aService, call, inHours, T0, testApp } from "../harness/app.ts";
let stop: any; after(() => stop?.());
const ctx = await testApp();
test("probe", { timeout: 120000 }, async () => {
  const live = await startLiveEvents(ctx.deps.db, ctx.deps.log); stop = () => live.stop(); ctx.deps.live = live;
  const base = await ctx.app.listen({ host: "127.0.0.1", port: 0 });
  ctx.clock.set(T0);
  const clinic = await aClinic(ctx); const dr = await aProvider(ctx, clinic); const s = await aService(ctx, clinic);
  const p = await aPatient(ctx, clinic, { phone: "+16175559998" });
  await anEntry(ctx, clinic, { patientId: p.id, serviceId: s.id });
  await anOpening(ctx, clinic, { providerId: dr.id, start: inHours(24), end: inHours(25) });
  await runDue(ctx.deps, ctx.clock.now());
  const res = await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent("+16175559998")}`, { key: clinic.key });
  const token = res.body.items[0].links[0].split("/o/")[1];
  const t = Date.now();
  await new Promise<void>((resolve) => {
    const req = http.get(`${base}/o/${token}/events`, (r) => {
      r.setEncoding("utf8");
      r.on("data", (c: string) => console.log("DATA", Date.now() - t, JSON.stringify(c)));
      r.on("close", () => { console.log("CLOSED", Date.now() - t); resolve(); });
    });
    setTimeout(() => { req.destroy(); }, 75000);
  });
});
