import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  isObjectIdHex,
  isUuid,
  objectIdOfProductUuid,
  ObjectIdString,
  productIdAsUuid,
  UuidString,
} from '../../src/lib/ids.ts';

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: length, maxLength: length });
const objectIdHex = hex(24);

describe('the product id codec', () => {
  it('known pair', () => {
    expect(productIdAsUuid('6b06eed21006e491d07feb71')).toBe('00000000-6b06-eed2-1006-e491d07feb71');
    expect(objectIdOfProductUuid('00000000-6b06-eed2-1006-e491d07feb71')).toBe('6b06eed21006e491d07feb71');
  });

  it('ObjectId -> UUID -> ObjectId is the identity (lower-cased), and the UUID is a UUID', () => {
    fc.assert(
      fc.property(objectIdHex, (id) => {
        const uuid = productIdAsUuid(id);
        expect(isUuid(uuid)).toBe(true);
        expect(uuid).toBe(uuid.toLowerCase());
        expect(objectIdOfProductUuid(uuid)).toBe(id.toLowerCase());
      }),
    );
  });

  it('product UUID -> ObjectId -> UUID is the identity (lower-cased)', () => {
    const productUuid = fc.tuple(hex(4), hex(4), hex(4), hex(12)).map((parts) => `00000000-${parts.join('-')}`);
    fc.assert(
      fc.property(productUuid, (uuid) => {
        const id = objectIdOfProductUuid(uuid);
        expect(isObjectIdHex(id)).toBe(true);
        expect(productIdAsUuid(id)).toBe(uuid.toLowerCase());
      }),
    );
  });

  it('is injective: two different ObjectIds never share a UUID', () => {
    fc.assert(
      fc.property(objectIdHex, objectIdHex, (a, b) => {
        fc.pre(a.toLowerCase() !== b.toLowerCase());
        expect(productIdAsUuid(a)).not.toBe(productIdAsUuid(b));
      }),
    );
  });

  it('refuses what is not its input instead of encoding garbage', () => {
    expect(() => productIdAsUuid('6b06eed21006e491d07feb7')).toThrow(RangeError);
    expect(() => productIdAsUuid('6b06eed21006e491d07feb7g')).toThrow(RangeError);
    expect(() => objectIdOfProductUuid('6b06eed2-1006-4491-907f-eb7100000000')).toThrow(RangeError);
    expect(() => objectIdOfProductUuid('00000000-6b06-eed2-1006-e491d07feb7')).toThrow(RangeError);
  });
});

describe('id checks and schemas', () => {
  it('ObjectId: 24 hex digits, either case', () => {
    expect(isObjectIdHex('507F1F77BCF86CD799439011')).toBe(true);
    expect(isObjectIdHex('507f1f77bcf86cd79943901')).toBe(false);
    expect(isObjectIdHex('507f1f77bcf86cd799439011 ')).toBe(false);
    expect(ObjectIdString.safeParse('507f1f77bcf86cd799439011').success).toBe(true);
    const refused = ObjectIdString.safeParse('not-an-id');
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toBe('must be a 24-character hex ObjectId');
  });

  it('UUID: the 8-4-4-4-12 shape, product UUIDs included; the schema lower-cases', () => {
    expect(isUuid('C56A4180-65AA-42EC-A945-5FD21DEC0538')).toBe(true);
    expect(isUuid('c56a418065aa42eca9455fd21dec0538')).toBe(false);
    expect(UuidString.parse('00000000-6B06-EED2-1006-E491D07FEB71')).toBe('00000000-6b06-eed2-1006-e491d07feb71');
    expect(UuidString.safeParse('00000000-6b06-eed2-1006').success).toBe(false);
  });
});
