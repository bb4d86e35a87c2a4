// A stand-in for our webhook routes in channel tests: it records every callback the fake Twilio sends,
// checks the signature against the PUBLIC URL (never the address it was reached at), answers 403 when it
// does not match, and serves the offer call's TwiML with the real renderers.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { verifyTwilioSignature } from "../../src/channels/twilio-signature.ts";
import { isAnsweringMachine } from "../../src/channels/twilio-voice.ts";
import { digitChoice, machineTwiml, offerCallTwiml, sayTwiml } from "../../src/channels/twiml.ts";

export interface SinkHit {
  path: string;
  params: Record<string, string>;
  valid: boolean;
}

export interface Sink {
  url: string;
  hits: SinkHit[];
  close(): Promise<void>;
}

export async function startSink(publicUrl: string, authToken: string): Promise<Sink> {
  const hits: SinkHit[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
    const path = req.url ?? "/";
    const header = req.headers["x-twilio-signature"];
    const valid = verifyTwilioSignature(authToken, publicUrl + path, params, typeof header === "string" ? header : undefined);
    hits.push({ path, params, valid });
    if (!valid) return res.writeHead(403).end();
    const xml = (body: string) => res.writeHead(200, { "content-type": "text/xml" }).end(body);
    const voice = /^\/webhooks\/twilio\/voice\/([^/?]+)(\/gather)?$/.exec(path);
    if (voice?.[2]) {
      const choice = digitChoice(params.Digits);
      return xml(sayTwiml(choice === "accept" ? "You're booked. Goodbye." : choice === "decline" ? "No problem. Goodbye." : "Sorry, goodbye."));
    }
    if (voice) {
      if (isAnsweringMachine(params.AnsweredBy)) return xml(machineTwiml({ clinicName: "Elm & Oak Dental", clinicPhone: "+16175550100" }));
      return xml(
        offerCallTwiml({
          text: "An appointment opened at Elm & Oak Dental on Tuesday at 3 PM.",
          gatherAction: `${publicUrl}/webhooks/twilio/voice/${voice[1]}/gather`,
        }),
      );
    }
    res.writeHead(200, { "content-type": "text/xml" }).end("<Response/>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
