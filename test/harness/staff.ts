// Staff in miniature for dashboard tests over app.inject: a staff user made through the API, and an
// Agent (a cookie jar that posts forms with its session's CSRF token).
import assert from "node:assert/strict";
import { call, type TestContext } from "./app.ts";

export const PASSWORD = "correct horse battery";

export async function aStaffUser(ctx: TestContext, clinicKey: string, role: string, email = `${role}.${Math.random().toString(36).slice(2)}@clinic.example`) {
  const res = await call(ctx, "POST", "/api/booking/staff-users", { key: clinicKey, body: { email, name: `The ${role}`, password: PASSWORD, role } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { id: res.body.id as string, email };
}

export interface Res {
  status: number;
  body: string;
  headers: Record<string, unknown>;
}

/** A browser in miniature: a cookie jar, form posts, and the CSRF token of the last page it saw. */
export class Agent {
  cookies = new Map<string, string>();
  csrf = "";
  constructor(readonly ctx: TestContext) {}
  private async send(method: "GET" | "POST", url: string, payload?: string): Promise<Res> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await this.ctx.app.inject({
      method,
      url,
      headers: { ...(cookie ? { cookie } : {}), ...(payload !== undefined ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
      ...(payload !== undefined ? { payload } : {}),
    });
    const set = res.headers["set-cookie"];
    for (const c of (Array.isArray(set) ? set : set ? [set] : []) as string[]) {
      const [pair, ...attrs] = c.split(";");
      const [name, value] = [pair!.slice(0, pair!.indexOf("=")), pair!.slice(pair!.indexOf("=") + 1)];
      if (attrs.some((a) => a.trim() === "Max-Age=0")) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (token) this.csrf = token[1]!;
    return { status: res.statusCode, body: res.body, headers: res.headers };
  }
  get(url: string) {
    return this.send("GET", url);
  }
  /** Posts the fields, with this session's CSRF token unless `_csrf` is given (null: leave it out). */
  post(url: string, fields: Record<string, string | string[]> = {}, csrf: string | null = this.csrf) {
    const form = new URLSearchParams();
    if (csrf !== null) form.append("_csrf", csrf);
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) form.append(k, x);
    return this.send("POST", url, form.toString());
  }
  async login(email: string, password = PASSWORD) {
    await this.get("/login");
    return this.post("/login", { email, password });
  }
}

export async function loggedIn(ctx: TestContext, clinicKey: string, role = "front_desk") {
  const user = await aStaffUser(ctx, clinicKey, role);
  const agent = new Agent(ctx);
  const res = await agent.login(user.email);
  assert.equal(res.status, 303, res.body);
  await agent.get("/dev/inbox"); // any page: picks up the session's CSRF token
  return { agent, user };
}
