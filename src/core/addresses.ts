// Which IP addresses a webhook may reach: only public unicast ones, so an endpoint URL cannot make the server
// call into its own network (SSRF). Parsing and the special ranges come from ipaddr.js (its tables follow the
// IANA special-purpose registries); this file only decides which of its range names count as public.
import ipaddr from "ipaddr.js";

/** Why an address is not public, as words for an error message ("resolves to a private address"). */
export type AddressKind = "public" | "loopback" | "private" | "link-local" | "unspecified" | "multicast" | "reserved" | "invalid";

// IPv6 global unicast is 2000::/3 (RFC 4291 §2.4); everything else is special or unassigned.
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR("2000::/3");
// The well-known NAT64 prefix (RFC 6052); 64:ff9b:1::/48 beside it is for local deployments.
const WELL_KNOWN_NAT64 = ipaddr.IPv6.parseCIDR("64:ff9b::/96");

function kindOfV4(ip: ipaddr.IPv4): AddressKind {
  switch (ip.range()) {
    case "unicast":
      return "public";
    case "loopback":
      return "loopback";
    // 100.64/10 (carrier-grade NAT) is shared address space behind the provider: as private as 10/8.
    case "private":
    case "carrierGradeNat":
      return "private";
    case "linkLocal":
      return "link-local";
    case "unspecified": // 0/8: "this network"
      return "unspecified";
    case "multicast":
      return "multicast";
    default: // broadcast, TEST-NETs, benchmarking, 240/4, protocol assignments, AS112, AMT
      return "reserved";
  }
}

/** The IPv4 address in bytes `from`…`from + 3` of an IPv6 address. */
function embedded(ip: ipaddr.IPv6, from: number): ipaddr.IPv4 {
  return new ipaddr.IPv4(ip.toByteArray().slice(from, from + 4));
}

function kindOfV6(ip: ipaddr.IPv6): AddressKind {
  const range = ip.range();
  switch (range) {
    case "loopback":
      return "loopback";
    case "unspecified":
      return "unspecified";
    case "uniqueLocal": // fc00::/7
      return "private";
    case "linkLocal": // fe80::/10
      return "link-local";
    case "multicast":
      return "multicast";
    // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (translated, RFC 6145) reach the IPv4 address itself.
    case "ipv4Mapped":
    case "rfc6145":
      return kindOfV4(embedded(ip, 12));
    case "rfc6052": {
      // 64:ff9b::/96 is the well-known NAT64 prefix: the gateway connects to the embedded IPv4 address.
      // 64:ff9b:1::/48 is for local NAT64 deployments: never public.
      return ip.match(WELL_KNOWN_NAT64) ? kindOfV4(embedded(ip, 12)) : "private";
    }
    case "6to4": {
      // 2002:AABB:CCDD::/48 is relayed to the IPv4 address AA.BB.CC.DD.
      return kindOfV4(embedded(ip, 2));
    }
    case "unicast":
      // Includes ::a.b.c.d (deprecated IPv4-compatible) and other unassigned space outside 2000::/3.
      return ip.match(GLOBAL_UNICAST_V6) ? "public" : "reserved";
    default: // Teredo, documentation, discard, ORCHID, benchmarking, segment routing, …
      return "reserved";
  }
}

/** What kind of address `ip` (an IPv4 or IPv6 literal, IPv6 without brackets) is. */
export function addressKind(ip: string): AddressKind {
  // Only plain literals: ipaddr.isValid also takes "127.1" and "0x7f.0.0.1", which DNS answers never are
  // and URLs normalise before they get here; refusing them is the safe side.
  const v4 = ipaddr.IPv4.isValidFourPartDecimal(ip);
  if (!v4 && !ipaddr.IPv6.isValid(ip)) return "invalid";
  return v4 ? kindOfV4(ipaddr.IPv4.parse(ip)) : kindOfV6(ipaddr.IPv6.parse(ip));
}

/** True only for a public unicast address: what a webhook in production may connect to. */
export function isPublicAddress(ip: string): boolean {
  return addressKind(ip) === "public";
}
