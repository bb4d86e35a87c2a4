import assert from "node:assert/strict";
import { test } from "node:test";
import { type AddressKind, addressKind, isPublicAddress } from "../../src/core/addresses.ts";

// [address, kind]
const table: [string, AddressKind][] = [
  // Public unicast.
  ["8.8.8.8", "public"],
  ["1.1.1.1", "public"],
  ["93.184.216.34", "public"],
  ["172.15.255.255", "public"],
  ["172.32.0.1", "public"],
  ["100.63.255.255", "public"],
  ["100.128.0.1", "public"],
  ["11.0.0.1", "public"],
  ["2606:4700:4700::1111", "public"],
  ["2001:4860:4860::8888", "public"],
  // Loopback.
  ["127.0.0.1", "loopback"],
  ["127.255.255.254", "loopback"],
  ["::1", "loopback"],
  // Private (RFC 1918, unique local, CGNAT).
  ["10.0.0.1", "private"],
  ["10.255.255.255", "private"],
  ["172.16.0.1", "private"],
  ["172.31.255.255", "private"],
  ["192.168.1.1", "private"],
  ["100.64.0.1", "private"],
  ["100.127.255.255", "private"],
  ["fc00::1", "private"],
  ["fd12:3456:789a::1", "private"],
  // Link-local (cloud metadata lives at 169.254.169.254).
  ["169.254.169.254", "link-local"],
  ["169.254.0.1", "link-local"],
  ["fe80::1", "link-local"],
  ["fe80::1%eth0", "link-local"],
  // Unspecified and "this network".
  ["0.0.0.0", "unspecified"],
  ["0.1.2.3", "unspecified"],
  ["::", "unspecified"],
  // Multicast.
  ["224.0.0.1", "multicast"],
  ["239.255.255.250", "multicast"],
  ["ff02::1", "multicast"],
  // Reserved, broadcast, documentation, benchmarking.
  ["255.255.255.255", "reserved"],
  ["240.0.0.1", "reserved"],
  ["192.0.2.1", "reserved"],
  ["198.51.100.7", "reserved"],
  ["203.0.113.9", "reserved"],
  ["198.18.0.1", "reserved"],
  ["192.0.0.8", "reserved"],
  ["2001:db8::1", "reserved"],
  ["100::1", "reserved"],
  ["2001::1", "reserved"],
  // ::/96 (deprecated IPv4-compatible) in hex; ipaddr.js reads the dotted form ::10.0.0.1 as mapped (below).
  ["::a00:1", "reserved"],
  ["::808:808", "reserved"],
  ["4000::1", "reserved"],
  // IPv4-mapped and -translated IPv6: the IPv4 address decides.
  ["::ffff:10.0.0.1", "private"],
  ["::10.0.0.1", "private"],
  ["::ffff:127.0.0.1", "loopback"],
  ["::ffff:7f00:1", "loopback"],
  ["::ffff:169.254.169.254", "link-local"],
  ["::ffff:0.0.0.0", "unspecified"],
  ["::ffff:8.8.8.8", "public"],
  ["::ffff:0:10.0.0.1", "private"],
  ["::ffff:0:8.8.8.8", "public"],
  // NAT64: the well-known prefix reaches the embedded IPv4 address; the local-use prefix never is public.
  ["64:ff9b::10.0.0.1", "private"],
  ["64:ff9b::127.0.0.1", "loopback"],
  ["64:ff9b::a9fe:a9fe", "link-local"],
  ["64:ff9b::8.8.8.8", "public"],
  ["64:ff9b:1::8.8.8.8", "private"],
  // 6to4 relays to the IPv4 address in bits 16–47.
  ["2002:0a00:0001::1", "private"],
  ["2002:7f00:0001::1", "loopback"],
  ["2002:0808:0808::1", "public"],
  // Not an address at all, or not in the plain form DNS answers use.
  ["", "invalid"],
  ["localhost", "invalid"],
  ["example.com", "invalid"],
  ["127.1", "invalid"],
  ["0x7f.0.0.1", "invalid"],
  ["2130706433", "invalid"],
  ["256.1.1.1", "invalid"],
  ["[::1]", "invalid"],
  ["10.0.0.1/8", "invalid"],
];

for (const [ip, kind] of table) {
  test(`addressKind(${JSON.stringify(ip)}) is ${kind}`, () => {
    assert.equal(addressKind(ip), kind);
    assert.equal(isPublicAddress(ip), kind === "public");
  });
}
