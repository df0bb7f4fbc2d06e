/**
 * Ids, one definition each. PostgreSQL rows are keyed by UUIDs; MongoDB documents by ObjectIds
 * (12 bytes, written as 24 hex digits).
 *
 * A product lives in MongoDB but its id also sits in PostgreSQL's `uuid` columns (order lines).
 * The product id codec maps one onto the other: eight leading zeros, then the ObjectId, so
 * `6b06eed21006e491d07feb71` <-> `00000000-6b06-eed2-1006-e491d07feb71`. It is reversible and
 * collision-free; such a UUID is not an RFC 9562 one (no version or variant bits), which is why
 * the UUID check here is the loose 8-4-4-4-12 hex shape and not `z.uuid()`.
 */
import { z } from '@hono/zod-openapi';

/** 8-4-4-4-12 hex digits, either case. */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** 24 hex digits, either case (no flag: OpenAPI documents the pattern without flags). */
export const OBJECT_ID_PATTERN = /^[0-9a-fA-F]{24}$/;

export function isUuid(text: string): boolean {
  return UUID_PATTERN.test(text);
}

export function isObjectIdHex(text: string): boolean {
  return OBJECT_ID_PATTERN.test(text);
}

/** An ObjectId as 24 hex digits (as given; `.transform((v) => v.toLowerCase())` where case matters). */
export const ObjectIdString = z
  .string()
  .regex(OBJECT_ID_PATTERN, 'must be a 24-character hex ObjectId')
  .openapi({ example: '507f1f77bcf86cd799439011' });

/** A UUID in the loose 8-4-4-4-12 shape (product UUIDs included), lower-cased. */
export const UuidString = z
  .string()
  .regex(UUID_PATTERN, 'must be a UUID')
  .transform((v) => v.toLowerCase())
  .openapi({ example: '00000000-6b06-eed2-1006-e491d07feb71' });

const PRODUCT_UUID = /^00000000-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i;

/** A product's ObjectId (24 hex digits) as the UUID stored in PostgreSQL. Throws on anything else. */
export function productIdAsUuid(productId: string): string {
  if (!isObjectIdHex(productId)) throw new RangeError(`not a product id (24 hex digits): ${productId}`);
  const hex = `00000000${productId.toLowerCase()}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The inverse of productIdAsUuid: the product's ObjectId, lower-case. Throws on any other UUID. */
export function objectIdOfProductUuid(uuid: string): string {
  const m = PRODUCT_UUID.exec(uuid);
  if (!m) throw new RangeError(`not a product UUID (00000000-…): ${uuid}`);
  return m.slice(1).join('').toLowerCase();
}
