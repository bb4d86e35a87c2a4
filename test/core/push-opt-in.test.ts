// Which push subscription endpoints an offer page may register: every browser's push service, never an
// address inside the clinic's network.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pushEndpointProblem } from "../../src/core/push-opt-in.ts";

const PUBLIC = "must be an https address of a public push service";
// [endpoint, problem]
const cases: [string, string | null][] = [
  ["https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bH", null], // Chrome, Edge on Android
  ["https://updates.push.services.mozilla.com/wpush/v2/gAAAAABh", null], // Firefox
  ["https://web.push.apple.com/QGuQyavXutnMH", null], // Safari
  ["https://wns2-bn3p.notify.windows.com/w/?token=BQYAAAD", null], // Edge on Windows
  ["https://fd.example.com/p", null], // a name starting with "fd" is not an IPv6 address
  ["https://[2001:db8::1]/p", null],
  ["https://8.8.8.8/p", null],
  ["http://fcm.googleapis.com/fcm/send/x", PUBLIC],
  ["https://user:secret@fcm.googleapis.com/x", PUBLIC],
  ["https://localhost/p", PUBLIC],
  ["https://push.localhost/p", PUBLIC],
  ["https://printer.local/p", PUBLIC],
  ["https://db.internal/p", PUBLIC],
  ["https://intranet/p", PUBLIC],
  ["https://127.0.0.1:8080/p", PUBLIC],
  ["https://2130706433/p", PUBLIC], // 127.0.0.1 written as one number
  ["https://0x7f.1/p", PUBLIC],
  ["https://0.0.0.0/p", PUBLIC],
  ["https://10.0.0.5/p", PUBLIC],
  ["https://172.16.0.1/p", PUBLIC],
  ["https://172.31.255.1/p", PUBLIC],
  ["https://192.168.1.1/p", PUBLIC],
  ["https://169.254.169.254/latest/meta-data", PUBLIC],
  ["https://100.64.0.1/p", PUBLIC],
  ["https://[::1]/p", PUBLIC],
  ["https://[fd00::1]/p", PUBLIC],
  ["https://[fc00:1::2]/p", PUBLIC],
  ["https://[fe80::1]/p", PUBLIC],
  ["https://[::ffff:127.0.0.1]/p", PUBLIC],
  ["not a url", "must be a URL"],
];
for (const [endpoint, problem] of cases) {
  test(`pushEndpointProblem(${endpoint}) → ${problem ?? "accepted"}`, () => {
    assert.equal(pushEndpointProblem(endpoint), problem);
  });
}

test("172.15.x and 172.32.x are public (only 172.16/12 is private)", () => {
  assert.equal(pushEndpointProblem("https://172.15.0.1/p"), null);
  assert.equal(pushEndpointProblem("https://172.32.0.1/p"), null);
});
