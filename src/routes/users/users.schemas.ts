import { z } from '@hono/zod-openapi';

import { ADDRESS_TYPES, addresses, GENDERS, userPreferences, userProfiles } from '../../db/pg/schema/index.ts';
import { createSelectSchema, isoTimestamp, lengthOf, textFor } from '../table-schemas.ts';

// ---------------------------------------------------------------------------
// Value checks (ICU data of the runtime: the same in workerd and Node)
// ---------------------------------------------------------------------------

let currencies: Set<string> | undefined;
let timeZones: Set<string> | undefined;
let regionNames: Intl.DisplayNames | undefined;

/** ISO 4217 codes the runtime knows. */
function isCurrency(code: string): boolean {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  return currencies.has(code);
}

/**
 * The canonical spelling of an IANA time zone name (`europe/lisbon` -> `Europe/Lisbon`,
 * `utc` -> `UTC`), or undefined. Offsets like `+05:00` are not IANA names and are refused.
 */
function canonicalTimeZone(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return undefined;
  timeZones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
  if (timeZones.has(name)) return name;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** Codes ICU names but that are not countries (ISO 3166-1 exceptional/user-assigned). */
const NOT_COUNTRIES = new Set(['ZZ', 'EU', 'EZ', 'UN', 'QO']);

/** ISO 3166-1 alpha-2 country code the runtime knows (upper case). */
function isCountry(code: string): boolean {
  if (!/^[A-Z]{2}$/.test(code) || NOT_COUNTRIES.has(code)) return false;
  regionNames ??= new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  return regionNames.of(code) !== undefined;
}

/** BCP 47 language[-Script][-REGION] tag, in canonical case, or undefined. */
function canonicalLanguage(tag: string): string | undefined {
  if (!/^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|\d{3}))?$/.test(tag)) return undefined;
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}

const todayUtc = () => new Date().toISOString().slice(0, 10);

/** PATCH bodies must change something; checked only when the fields themselves are valid. */
const atLeastOneField = (body: object) => Object.values(body).some((v) => v !== undefined);
const atLeastOneFieldCheck = {
  message: 'Provide at least one field to change.',
  when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0,
};

// ---------------------------------------------------------------------------
// Profile
// ---------------------------------------------------------------------------

const PHONE_MAX = lengthOf(userProfiles.phone);

/** E.164-ish: optional `+`, 7 to 15 digits; spaces, dots, dashes and parentheses are dropped. */
const Phone = z
  .string()
  .trim()
  .max(PHONE_MAX)
  .transform((v) => v.replace(/[\s().-]/g, ''))
  .refine((v) => /^\+?[1-9]\d{6,14}$/.test(v), 'must be a phone number like +14155550123')
  .openapi({ maxLength: PHONE_MAX, example: '+14155550123' });

const DateOfBirth = z.iso
  .date({ abort: true })
  .refine((v) => v >= '1900-01-01', 'must not be before 1900-01-01')
  .refine((v) => v < todayUtc(), 'must be in the past')
  .openapi({ example: '1990-05-17' });

const Gender = z.enum(GENDERS);

const AvatarUrl = z.url({ protocol: /^https$/, error: 'must be an https URL' }).max(lengthOf(userProfiles.avatarUrl));

export const ProfilePatchBody = z
  .object({
    firstName: textFor(userProfiles.firstName).nullable().optional(),
    lastName: textFor(userProfiles.lastName).nullable().optional(),
    phone: Phone.nullable().optional(),
    dateOfBirth: DateOfBirth.nullable().optional(),
    gender: Gender.nullable().optional(),
    avatarUrl: AvatarUrl.nullable().optional(),
    bio: z.string().max(2000).nullable().optional(),
    /** Listed only to refuse it by name: the profile email follows the auth user's. */
    email: z
      .unknown()
      .refine((v) => v === undefined, 'is read-only here: the email is managed by auth')
      .optional()
      .openapi({ readOnly: true, description: 'Read-only (managed by auth); sending it is a 400.' }),
  })
  .strict()
  .refine(atLeastOneField, atLeastOneFieldCheck)
  .openapi('ProfilePatchRequest', {
    description: 'Fields to change; `null` clears one. `email` is managed by auth and cannot be changed here.',
  });

/** The user_profiles row, less tenant and soft-delete bookkeeping. */
export const ProfileSchema = createSelectSchema(userProfiles, {
  dateOfBirth: (s) => s.openapi({ format: 'date' }),
  createdAt: isoTimestamp,
  updatedAt: isoTimestamp,
})
  .omit({ tenantId: true, deletedAt: true })
  .openapi('Profile');

// ---------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------

const AddressType = z.enum(ADDRESS_TYPES);

const CountryCode = z
  .string()
  .trim()
  .transform((v) => v.toUpperCase())
  .refine(isCountry, 'must be an ISO 3166-1 alpha-2 country code, e.g. US')
  .openapi({ minLength: 2, maxLength: 2, example: 'US' });

const ZipCode = z
  .string()
  .trim()
  .min(2)
  .max(lengthOf(addresses.zipCode))
  .regex(/^[A-Za-z0-9][A-Za-z0-9 -]*[A-Za-z0-9]$/, 'letters, digits, spaces and dashes only');

const addressFields = {
  type: AddressType,
  street: textFor(addresses.street),
  apartment: textFor(addresses.apartment).nullable().optional(),
  city: textFor(addresses.city),
  state: textFor(addresses.state),
  zipCode: ZipCode,
  country: CountryCode,
};

export const AddressCreateBody = z
  .object({
    ...addressFields,
    isDefault: z
      .boolean()
      .optional()
      .openapi({ description: 'Make it the default of its type (the first address of a type always is).' }),
  })
  .strict()
  .openapi('AddressCreateRequest');

export const AddressPatchBody = z
  .object({
    type: addressFields.type.optional(),
    street: addressFields.street.optional(),
    apartment: addressFields.apartment,
    city: addressFields.city.optional(),
    state: addressFields.state.optional(),
    zipCode: addressFields.zipCode.optional(),
    country: addressFields.country.optional(),
  })
  .strict()
  .refine(atLeastOneField, atLeastOneFieldCheck)
  .openapi('AddressPatchRequest', {
    description: 'Fields to change. The default changes through POST /users/me/addresses/{id}/default.',
  });

/** The addresses row, less its owner and tenant (the path says whose it is). */
export const AddressSchema = createSelectSchema(addresses, { createdAt: isoTimestamp, updatedAt: isoTimestamp })
  .omit({ userProfileId: true, tenantId: true })
  .openapi('Address');

// ---------------------------------------------------------------------------
// Preferences
// ---------------------------------------------------------------------------

/** A string of at most `maxLength` that `canonical` rewrites to its canonical spelling, refused with `message` when it cannot. */
function canonicalString(
  maxLength: number,
  canonical: (v: string) => string | undefined,
  message: string,
  example: string,
) {
  return z
    .string()
    .max(maxLength)
    .transform((v, ctx) => {
      const canonicalValue = canonical(v);
      if (!canonicalValue) ctx.addIssue({ code: 'custom', message });
      return canonicalValue ?? v;
    })
    .openapi({ type: 'string', maxLength, example });
}

const Language = canonicalString(
  lengthOf(userPreferences.language),
  canonicalLanguage,
  'must be a BCP 47 language tag like en, en-US or pt-BR',
  'en-US',
);

const Currency = z
  .string()
  .transform((v) => v.toUpperCase())
  .refine(isCurrency, 'must be an ISO 4217 currency code, e.g. USD')
  .openapi({ type: 'string', minLength: 3, maxLength: 3, example: 'USD' });

const TimeZone = canonicalString(
  lengthOf(userPreferences.timezone),
  canonicalTimeZone,
  'must be an IANA time zone like UTC or Europe/Lisbon',
  'Europe/Lisbon',
);

/** The user_preferences row as the API shows it: the preferences and when they last changed. */
export const PreferencesSchema = createSelectSchema(userPreferences, { updatedAt: isoTimestamp })
  .omit({ id: true, userProfileId: true, tenantId: true, createdAt: true })
  .openapi('Preferences');

/** The on/off preferences, the same in the request and the response. */
const preferenceFlags = PreferencesSchema.pick({
  emailNotifications: true,
  smsNotifications: true,
  pushNotifications: true,
  newsletterSubscribed: true,
  marketingEmails: true,
}).shape;

export const PreferencesBody = z
  .object({
    ...preferenceFlags,
    language: Language,
    currency: Currency,
    timezone: TimeZone,
  })
  .strict()
  .openapi('PreferencesRequest', { description: 'Every preference (PUT replaces them all).' });
