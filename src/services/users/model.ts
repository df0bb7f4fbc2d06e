/** The user service's domain: who a request works on, and the inputs of profiles, addresses and preferences. */
import type { ADDRESS_TYPES, GENDERS } from '../../db/pg/schema/index.ts';

export interface ProfileSeed {
  tenantId: string;
  userId: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
}

/** Whose data a request works on: always the principal, never an id from the URL. */
export interface Owner {
  userId: string;
  tenantId: string;
}

/** Fields a user may change on their profile; `null` clears. Email is managed by auth. */
export interface ProfilePatch {
  firstName?: string | null;
  lastName?: string | null;
  phone?: string | null;
  dateOfBirth?: string | null;
  gender?: (typeof GENDERS)[number] | null;
  avatarUrl?: string | null;
  bio?: string | null;
}

export const MAX_ADDRESSES_PER_USER = 20;

export type AddressType = (typeof ADDRESS_TYPES)[number];

export interface AddressInput {
  type: AddressType;
  street: string;
  apartment?: string | null;
  city: string;
  state: string;
  zipCode: string;
  country: string;
  isDefault?: boolean;
}

/** Fields an update may change; the default flag changes only through `setDefaultAddress`. */
export type AddressPatch = Partial<Omit<AddressInput, 'isDefault'>>;

/** Every preference; PUT replaces them all. */
export interface PreferencesInput {
  emailNotifications: boolean;
  smsNotifications: boolean;
  pushNotifications: boolean;
  newsletterSubscribed: boolean;
  marketingEmails: boolean;
  /** BCP 47 tag in canonical case, e.g. `en`, `en-US`, `pt-BR`. */
  language: string;
  /** ISO 4217 code, upper case. */
  currency: string;
  /** IANA time zone name, e.g. `UTC`, `Europe/Lisbon`. */
  timezone: string;
}
