/** The user service's public surface: the signed-in user's profile, addresses and preferences. */
export { deleteProfile, findProfile, getMyProfile, updateMyProfile, upsertProfile } from './profiles.ts';
export {
  createAddress,
  deleteAddress,
  getAddress,
  listAddresses,
  setDefaultAddress,
  updateAddress,
} from './addresses.ts';
export { getPreferences, replacePreferences } from './preferences.ts';
export { getNotificationRecipients, type NotificationRecipient } from './notification-recipient.ts';
export { type NameChange } from './auth-sync.ts';
export * from './model.ts';
export * from './views.ts';
