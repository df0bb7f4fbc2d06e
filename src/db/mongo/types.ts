/**
 * Types of the MongoDB Data API v1 client: documents, filters, updates and the
 * request/response shapes of the nine actions. Only types and one constant (no
 * Node or Worker APIs): safe to import from the Worker, the gateway and scripts.
 */
import type { ObjectId } from 'bson';

/** Any BSON document (after EJSON parsing: ObjectId, Date, Binary... are class instances). */
export type Document = { [key: string]: unknown };

/** The type of `_id` of T: its declared `_id`, else ObjectId (server generated). */
export type IdOf<T> = T extends { _id: infer I } ? I : ObjectId;
/** T as read back from the database: `_id` is always present. */
export type WithId<T> = Omit<T, '_id'> & { _id: IdOf<T> };
/** T as inserted: `_id` may be left out (the server then generates an ObjectId). */
export type OptionalId<T> = Omit<T, '_id'> & { _id?: IdOf<T> };

type ElementOrSelf<V> = V extends readonly (infer E)[] ? V | E : V;

/** Comparison/element/evaluation operators for one field. */
export interface FieldOperators<V> {
  $eq?: V | null;
  $ne?: V | null;
  $gt?: V;
  $gte?: V;
  $lt?: V;
  $lte?: V;
  $in?: readonly (V | null)[];
  $nin?: readonly (V | null)[];
  $exists?: boolean;
  $type?: string | number;
  $regex?: string | RegExp;
  $options?: string;
  $not?: FieldOperators<V> | RegExp;
  $size?: number;
  $all?: readonly unknown[];
  /** Was not supported by FerretDB v1 (the former dev/test store); FerretDB v2 runs it. */
  $elemMatch?: Document;
  $mod?: readonly [number, number];
}

export type FieldCondition<V> = ElementOrSelf<V> | null | FieldOperators<ElementOrSelf<V>>;

export interface RootFilterOperators<T> {
  $and?: readonly Filter<T>[];
  $or?: readonly Filter<T>[];
  $nor?: readonly Filter<T>[];
  $expr?: unknown;
  /** Needs a text index (where a server has none, e.g. FerretDB v1 before, fall back to $regex). */
  $text?: { $search: string; $language?: string; $caseSensitive?: boolean; $diacriticSensitive?: boolean };
}

/**
 * A query filter. Top-level fields of T are type-checked; dotted paths
 * (`'category.id'`) and other keys are accepted as `unknown`.
 */
export type Filter<T> = { [K in keyof T]?: FieldCondition<T[K]> } & RootFilterOperators<T> & {
    [path: string]: unknown;
  };

type Fields<T> = Partial<T> & Document;

export interface UpdateOperators<T> {
  $set?: Fields<T>;
  $setOnInsert?: Fields<T>;
  $unset?: { [path: string]: '' | 1 | true };
  $inc?: { [path: string]: number };
  $mul?: { [path: string]: number };
  $min?: Document;
  $max?: Document;
  $rename?: { [path: string]: string };
  $currentDate?: { [path: string]: true | { $type: 'date' | 'timestamp' } };
  $push?: Document;
  $addToSet?: Document;
  $pull?: Document;
  $pullAll?: Document;
  $pop?: { [path: string]: 1 | -1 };
}

/** An update document (operators only; replacement documents are rejected) or an update pipeline. */
export type Update<T> = UpdateOperators<T> | readonly Document[];

export type SortDirection = 1 | -1 | { $meta: 'textScore' };
export type Sort = { [path: string]: SortDirection };
export type Projection = { [path: string]: 0 | 1 | boolean | Document };

/** Per-call options shared by every action. */
export interface CallOptions {
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number;
}

export interface FindOptions extends CallOptions {
  projection?: Projection;
  sort?: Sort;
  limit?: number;
  skip?: number;
  /**
   * The index to use (its name, or its key pattern). Not in Atlas's Data API v1: `gateway/`
   * accepts it (see src/db/mongo/serving-index.ts for why the catalog sends it).
   */
  hint?: string | Document;
}

export interface FindOneOptions extends CallOptions {
  projection?: Projection;
}

export interface UpdateOptions extends CallOptions {
  upsert?: boolean;
}

/**
 * `findOneAndUpdate`: not in Atlas's Data API v1; `gateway/` serves it (MongoDB's findAndModify).
 * One atomic conditional update that also returns the document, e.g. a stock reservation that
 * must report the product's new stock and slug.
 */
export interface FindOneAndUpdateOptions extends UpdateOptions {
  projection?: Projection;
  /** Default 'after'. */
  returnDocument?: 'before' | 'after';
}

export interface InsertOneResult<Id = ObjectId> {
  insertedId: Id;
}

export interface InsertManyResult<Id = ObjectId> {
  insertedIds: Id[];
}

export interface UpdateResult {
  matchedCount: number;
  modifiedCount: number;
  /** Present only when `upsert: true` inserted a new document. */
  upsertedId?: unknown;
}

export interface DeleteResult {
  deletedCount: number;
}

export type DataApiAction =
  | 'find'
  | 'findOne'
  | 'insertOne'
  | 'insertMany'
  | 'updateOne'
  | 'updateMany'
  | 'findOneAndUpdate'
  | 'deleteOne'
  | 'deleteMany'
  | 'aggregate';

export const DATA_API_ACTIONS: readonly DataApiAction[] = [
  'find',
  'findOne',
  'insertOne',
  'insertMany',
  'updateOne',
  'updateMany',
  'findOneAndUpdate',
  'deleteOne',
  'deleteMany',
  'aggregate',
];
