/** The user service's public surface: the signed-in user's profile, addresses and preferences. */
export {
  deleteProfile,
  findProfile,
  getMyProfile,
  repairProfile,
  updateMyProfile,
  upsertProfile,
  upsertProfileTx,
} from './profiles.ts';
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
export { readProfileSeed, syncAuthUserNames, type NameChange } from './auth-sync.ts';
export { userErrors } from './errors.ts';
export * from './model.ts';
export * from './views.ts';
