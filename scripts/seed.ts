/** `npm run db:seed`: creates the platform tenant and its ADMIN (see scripts/lib/seed.ts). */
import { seedDatabase, seedSettingsFromEnv } from './lib/seed.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('db:seed: set DATABASE_URL (owner connection string)');
  process.exit(2);
}
const settings = seedSettingsFromEnv();
const { createdAdmin } = await seedDatabase(url, settings);
console.log(
  createdAdmin
    ? `seeded tenant ${settings.tenantId} (${settings.tenantDomain}) and admin ${settings.adminEmail}`
    : `already seeded: admin ${settings.adminEmail} exists`,
);
