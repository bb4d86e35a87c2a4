// Phone numbers are stored in E.164. National numbers are read in the clinic's default country.
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";
import { fail, ok, type Result } from "./result.ts";

const E164 = /^\+[1-9][0-9]{6,14}$/;

export function normalisePhone(raw: string, defaultCountry: string, path = "/phone"): Result<string> {
  const country = isSupportedCountry(defaultCountry) ? (defaultCountry as CountryCode) : undefined;
  // extract: false — the whole field must be the number; by default the library digs one out of any text.
  const parsed = parsePhoneNumberFromString(raw.trim(), { defaultCountry: country, extract: false });
  // libphonenumber calls some short national numbers valid (German "1680" → +491680, 6 digits); stored
  // numbers are E.164 with 7–15 digits (the patients.phone CHECK), so those are refused here, as bad input.
  if (!parsed?.isValid() || !E164.test(parsed.number)) {
    return fail("validation_failed", `${path.slice(1)} is not a valid phone number`, {
      errors: [{ path, message: "is not a valid phone number" }],
    });
  }
  return ok(parsed.number);
}

export function isCountryCode(value: string): boolean {
  return isSupportedCountry(value);
}
