// The offer by phone: Twilio fetches what to say when the patient answers. 1 books (the same claim
// as the link), 2 declines; an answering machine gets a short message with the clinic's number.
// A booking accepted by phone is confirmed by phone too: that call says the booking, nothing to press.
import { offerCallTwiml, machineTwiml, sayTwiml, digitChoice, spokenPhone } from "../channels/twiml.ts";
import { confirmationSpoken, offerSpoken } from "../core/message.ts";
import { isLive } from "../core/offer.ts";
import { patientZone } from "../core/quiet-hours.ts";
import type { Delivery } from "../core/types.ts";
import { getAppointment } from "../store/appointments.ts";
import { getClinic } from "../store/clinics.ts";
import { findDeliveryById } from "../store/deliveries.ts";
import { getOffer } from "../store/offers.ts";
import { getOpening } from "../store/openings.ts";
import { getPatient } from "../store/patients.ts";
import { acceptOffer } from "./claim-opening.ts";
import type { Deps } from "./deps.ts";
import { declineOffer } from "./respond-to-offer.ts";

export async function voiceTwiml(
  deps: Deps,
  deliveryId: string,
  call: { answeredBy: string | null; digits: string | null; step: "answer" | "gather"; machine: boolean },
): Promise<string> {
  const delivery = await findDeliveryById(deps.db, deliveryId);
  if (delivery?.kind === "CONFIRMATION") return confirmationTwiml(deps, delivery, call.machine);
  const offer = delivery?.offerId ? await getOffer(deps.db, delivery.clinicId, delivery.offerId) : null;
  if (!delivery || !offer) return sayTwiml("Sorry, we could not find this call. Goodbye.");
  const clinic = (await getClinic(deps.db, delivery.clinicId))!;
  const clinicPhone = deps.config.channels.clinicPhone;
  if (call.machine) return machineTwiml({ clinicName: clinic.name, clinicPhone });
  if (!isLive(offer.status) && !(call.step === "gather" && offer.status === "ACCEPTED")) {
    return sayTwiml(`This is ${clinic.name}. The appointment we called about is no longer available. You stay on our waitlist. Goodbye.`);
  }
  const caller = { clinicId: delivery.clinicId, actor: `patient:voice:${offer.id}` };
  if (call.step === "gather") {
    const choice = digitChoice(call.digits ?? undefined);
    if (choice === "accept") {
      const claimed = await acceptOffer(deps, caller, offer.id, "refuse", "VOICE");
      if (claimed.ok) return sayTwiml(`You're booked. We'll see you then. Goodbye.`);
      // A deposit or prepayment is owed: no card by keypad. Nothing is held; the offer stays open.
      if (claimed.extra?.paymentRequired) {
        const orCall = clinicPhone ? `, or call us at ${spokenPhone(clinicPhone)}` : ", or call the clinic";
        return sayTwiml(`To book this time, a deposit is needed first. Please use the booking link we sent you${orCall}. Goodbye.`);
      }
      return sayTwiml(
        claimed.code === "slot_filled"
          ? "Sorry, that time was just taken. You stay on our waitlist. Goodbye."
          : "Sorry, this offer has ended. You stay on our waitlist. Goodbye.",
      );
    }
    if (choice === "decline") {
      await declineOffer(deps, caller, offer.id);
      return sayTwiml("Thank you. We'll offer the time to someone else, and you stay on our waitlist. Goodbye.");
    }
  }
  const opening = (await getOpening(deps.db, delivery.clinicId, offer.openingId))!;
  const patient = await getPatient(deps.db, delivery.clinicId, offer.patientId);
  const text = offerSpoken({
    clinicName: clinic.name,
    slotStart: opening.start,
    patientZone: patientZone(patient?.timezone ?? null, clinic.timezone),
    clinicZone: clinic.timezone,
    holdExpiresAt: offer.holdExpiresAt ?? opening.start,
  });
  return offerCallTwiml({ text, gatherAction: `${deps.config.publicUrl}/webhooks/twilio/voice/${deliveryId}?step=gather` });
}

/** A booking confirmed by phone (the offer was answered by voice): its offer is no longer live, and that is fine. */
async function confirmationTwiml(deps: Deps, delivery: Delivery, machine: boolean): Promise<string> {
  const clinic = (await getClinic(deps.db, delivery.clinicId))!;
  const clinicPhone = deps.config.channels.clinicPhone;
  const id = delivery.payload.appointmentId;
  const appointment = !machine && typeof id === "string" ? await getAppointment(deps.db, delivery.clinicId, id) : null;
  // A machine (or a booking since cancelled) hears no details: who called and the number to call back.
  if (!appointment || !ACTIVE.has(appointment.status)) {
    return machineTwiml({ clinicName: clinic.name, clinicPhone, about: "We are calling about your appointment." });
  }
  const patient = delivery.patientId ? await getPatient(deps.db, delivery.clinicId, delivery.patientId) : null;
  const zone = patientZone(patient?.timezone ?? null, clinic.timezone);
  return sayTwiml(confirmationSpoken({ clinicName: clinic.name, slotStart: appointment.start, patientZone: zone }));
}

const ACTIVE = new Set(["BOOKED", "CONFIRMED", "CHECKED_IN"]);
