/** Profiles, addresses and preferences as the API shows them (ISO timestamps, no tenant or profile ids). */
import type { Address, GENDERS, UserPreferences, UserProfile } from '../../db/pg/schema/index.ts';
import type { AddressType } from './model.ts';

export function profileView(p: UserProfile) {
  return {
    id: p.id,
    userId: p.userId,
    email: p.email,
    firstName: p.firstName,
    lastName: p.lastName,
    phone: p.phone,
    dateOfBirth: p.dateOfBirth,
    gender: p.gender as (typeof GENDERS)[number] | null,
    avatarUrl: p.avatarUrl,
    bio: p.bio,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

export type ProfileView = ReturnType<typeof profileView>;

export function addressView(a: Address) {
  return {
    id: a.id,
    type: a.type as AddressType,
    street: a.street,
    apartment: a.apartment,
    city: a.city,
    state: a.state,
    zipCode: a.zipCode,
    country: a.country,
    isDefault: a.isDefault,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

export type AddressView = ReturnType<typeof addressView>;

export function preferencesView(p: UserPreferences) {
  return {
    emailNotifications: p.emailNotifications,
    smsNotifications: p.smsNotifications,
    pushNotifications: p.pushNotifications,
    newsletterSubscribed: p.newsletterSubscribed,
    marketingEmails: p.marketingEmails,
    language: p.language,
    currency: p.currency,
    timezone: p.timezone,
    updatedAt: p.updatedAt.toISOString(),
  };
}

export type PreferencesView = ReturnType<typeof preferencesView>;
