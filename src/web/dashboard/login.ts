// GET/POST /login and POST /logout. Before there is a session, the login form is protected by a
// double-submit token: a random value in an HttpOnly cookie and the same value in the form.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { authenticateSession, login, logout } from "../../flows/staff-login.ts";
import type { App } from "../../http/app.ts";
import { html } from "../html.ts";
import { barePage } from "./layout.ts";
import { cookies, formOf, one, SESSION_COOKIE, sendHtml, setCookie, staffOf, type Kit } from "./kit.ts";

const LOGIN_COOKIE = "bf_login";

/** Only a path of ours: "/x" but not "//host" or "/\\host" (open redirects). */
function safeNext(next: unknown): string {
  return typeof next === "string" && /^\/(?![/\\])[^\s]*$/.test(next) && !next.startsWith("/login") ? next : "/";
}

function loginPage(token: string, next: string, email: string, error: string | null): string {
  return barePage(
    "Log in",
    html`<h1>Backfill</h1><p class="muted">Staff login</p>
${error ? html`<div class="errors" role="alert"><p>${error}</p></div>` : ""}
<form method="post" action="/login">
<input type="hidden" name="_csrf" value="${token}"><input type="hidden" name="next" value="${next}">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="${email}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<p><button class="primary" type="submit">Log in</button></p></form>`,
  );
}

function sameToken(a: string | undefined, b: unknown): boolean {
  if (!a || typeof b !== "string" || b.length !== a.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

export function loginRoutes(app: App, kit: Kit) {
  const { deps } = kit;
  const freshToken = (reply: FastifyReply) => {
    const token = randomBytes(24).toString("base64url");
    setCookie(reply, deps, LOGIN_COOKIE, token, 3600);
    return token;
  };
  const showForm = (request: FastifyRequest, reply: FastifyReply, status: number, next: string, email: string, error: string | null) =>
    sendHtml(reply, status, loginPage(cookies(request)[LOGIN_COOKIE] ?? freshToken(reply), next, email, error));

  app.get("/login", { schema: { hide: true } }, async (request, reply) => {
    const next = safeNext((request.query as { next?: string }).next);
    const token = cookies(request)[SESSION_COOKIE];
    if (token && (await authenticateSession(deps, token))) return reply.redirect(next, 303);
    // An open login form keeps its token (two tabs both work); a new visitor gets one.
    return sendHtml(reply, 200, loginPage(cookies(request)[LOGIN_COOKIE] ?? freshToken(reply), next, "", null));
  });

  // Stricter than the global limit: one IP gets 20 password guesses a minute (a person needs a few).
  const perMinute = Math.max(20, Math.floor(deps.config.rateLimitPerMinute / 60));
  app.post("/login", { schema: { hide: true }, config: { rateLimit: { max: perMinute, timeWindow: 60_000 } } }, async (request, reply) => {
    const form = formOf(request);
    if (!sameToken(cookies(request)[LOGIN_COOKIE], form._csrf)) {
      return sendHtml(reply, 403, loginPage(freshToken(reply), safeNext(one(form, "next")), "", "This form has expired. Please try again."));
    }
    const next = safeNext(one(form, "next"));
    const email = one(form, "email");
    const result = await login(deps, { email, password: typeof form.password === "string" ? form.password : "" });
    // One message for a wrong email and a wrong password: the form does not tell who has a login.
    if (!result.ok) return showForm(request, reply, 401, next, email, "Email or password is incorrect.");
    setCookie(reply, deps, SESSION_COOKIE, result.value.token);
    setCookie(reply, deps, LOGIN_COOKIE, "", 0);
    return reply.redirect(next, 303);
  });

  app.post("/logout", { schema: { hide: true }, preHandler: kit.guard() }, async (request, reply) => {
    await logout(deps, staffOf(request).caller);
    setCookie(reply, deps, SESSION_COOKIE, "", 0);
    return reply.redirect("/login", 303);
  });
}
