// Where a webhook may be sent. In production an endpoint URL must be https and reach only public addresses,
// checked twice: when the URL is saved (checkWebhookUrl: a clear 422) and at every connection (publicLookup:
// DNS can change after the check, and a name can answer differently between the check and the connect).
import dns from "node:dns";
import type { LookupAddress, LookupAllOptions, LookupOptions } from "node:dns";
import net from "node:net";
import { type AddressKind, addressKind } from "../core/addresses.ts";
import type { FieldError } from "../core/result.ts";

/** The longest URL webhook_endpoints.url takes. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

const KIND_WORDS: Record<Exclude<AddressKind, "public">, string> = {
  loopback: "a loopback address",
  private: "a private address",
  "link-local": "a link-local address",
  unspecified: "an unspecified address",
  multicast: "a multicast address",
  reserved: "a reserved address",
  invalid: "an invalid address",
};

/** The host of a URL as an address when it is an IP literal (IPv6 without its brackets), else null. */
function literalOf(hostname: string): string | null {
  const bare = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  return net.isIP(bare) ? bare : null;
}

/** Why `url` may not be a webhook endpoint (path /url), or null when it may. */
export async function checkWebhookUrl(url: string, production: boolean): Promise<FieldError | null> {
  const refuse = (message: string): FieldError => ({ path: "/url", message });
  if (url.length > MAX_WEBHOOK_URL_LENGTH) return refuse(`must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse("is not an absolute URL");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return refuse("must be an http or https URL");
  if (parsed.username || parsed.password) return refuse("must not contain credentials");
  if (!parsed.hostname) return refuse("has no host");
  // Outside production anything http(s) goes: local receivers in development and tests.
  if (!production) return null;
  if (parsed.protocol !== "https:") return refuse("must be https in production");
  const literal = literalOf(parsed.hostname);
  let addresses: string[];
  if (literal) {
    addresses = [literal];
  } else {
    try {
      addresses = (await dns.promises.lookup(parsed.hostname, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      return refuse(`host ${parsed.hostname} does not resolve`);
    }
  }
  for (const address of addresses) {
    const kind = addressKind(address);
    if (kind !== "public") return refuse(`${literal ? "is" : "resolves to"} ${KIND_WORDS[kind]} (${address}); webhooks go to public addresses only`);
  }
  return null;
}

/** The error a connection to a non-public address fails with. */
function notPublic(hostname: string, address: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`webhook host ${hostname} resolves to a non-public address (${address})`);
  err.code = "EADDRNOTPUBLIC";
  return err;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:http(s).request (and net.connect) options: resolves as dns.lookup does and, in production,
 * fails the connection with code EADDRNOTPUBLIC when any address is not public. Node calls it with
 * `all: true` when it races addresses (autoSelectFamily), else for one address; both are checked.
 * Node skips `lookup` for an IP literal host: use `literalHostRefusal` for those before the request.
 */
export function publicLookup(production: boolean) {
  return function lookup(hostname: string, options: LookupOptions | number | undefined, callback: LookupCallback): void {
    const opts: LookupOptions = typeof options === "number" ? { family: options } : (options ?? {});
    if (opts.all) {
      dns.lookup(hostname, opts as LookupAllOptions, (err, addresses) => {
        if (err) return callback(err, []);
        const bad = production ? addresses.find((a) => addressKind(a.address) !== "public") : undefined;
        if (bad) return callback(notPublic(hostname, bad.address), []);
        callback(null, addresses);
      });
      return;
    }
    dns.lookup(hostname, { ...opts, all: false }, (err, address, family) => {
      if (err) return callback(err, "", family);
      if (production && addressKind(address) !== "public") return callback(notPublic(hostname, address), "", family);
      callback(null, address, family);
    });
  };
}

/**
 * The connection-time check for a URL whose host is an IP literal (node:net connects to those without calling
 * `lookup`): an EADDRNOTPUBLIC error in production when the address is not public, else null.
 */
export function literalHostRefusal(url: string, production: boolean): NodeJS.ErrnoException | null {
  if (!production) return null;
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return null;
  }
  const literal = literalOf(hostname);
  return literal && addressKind(literal) !== "public" ? notPublic(hostname, literal) : null;
}
