/**
 * Write conflicts: FerretDB on PostgreSQL aborts one of two statements that wait on each other
 * (PostgreSQL's "deadlock detected", which a unique index kept as an exclusion constraint makes
 * likely under concurrent inserts of one key), where MongoDB would retry inside the server. The
 * gateway runs the aborted single statement again, so a caller sees what MongoDB would answer:
 * one insert wins, the others are duplicates; never a 400 or 500 for a conflict.
 */
import { MongoClient, MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { createGatewayApp, isWriteConflict, runResolvingConflicts } from '../../gateway/app.ts';

const KEY = 'gateway-write-conflicts-key-0123456789';
const DB = `conflicts_${process.pid}`;
let client: MongoClient;

beforeAll(async () => {
  client = new MongoClient(inject('mongoUri'));
  await client.connect();
});
afterAll(async () => {
  await client.db(DB).dropDatabase();
  await client.close();
});

const call = (app: ReturnType<typeof createGatewayApp>, action: string, body: Record<string, unknown>) =>
  app.request(`/action/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'api-key': KEY },
    body: JSON.stringify({ dataSource: 'local', database: DB, ...body }),
  });

describe('the gateway and write conflicts', () => {
  it('writers in lockstep over the same keys: one insert per key, the rest 409, never a 400 or 500', async () => {
    await client.db(DB).collection('events').createIndex({ aggregateId: 1, version: 1 }, { unique: true });
    const app = createGatewayApp({ client, apiKeys: [KEY] });
    const answers = new Map<number, number>();
    const insert = async (aggregateId: string, version: number) => {
      const res = await call(app, 'insertOne', { collection: 'events', document: { aggregateId, version } });
      answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
      if (res.status === 503) expect(await res.json()).toMatchObject({ error_code: 'WriteConflict', code: 112 });
    };
    // As concurrent flushes of one product's stock outbox: each writer appends versions 2..11 in order.
    for (let round = 0; round < 4; round++)
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          for (let version = 2; version < 12; version++) await insert(`a${round}`, version);
        }),
      );
    expect(answers.get(200)).toBe(40);
    expect([...answers.keys()].filter((status) => ![200, 409, 503].includes(status))).toEqual([]);
    expect(await client.db(DB).collection('events').countDocuments()).toBe(40);
  });

  it('a conflict is run again; one that persists is a retryable 503 WriteConflict; other errors pass through', async () => {
    const deadlock = () => new MongoServerError({ message: 'deadlock detected', errmsg: 'deadlock detected', code: 1 });
    expect(isWriteConflict(deadlock())).toBe(true);
    expect(isWriteConflict(new MongoServerError({ message: 'WriteConflict', code: 112 }))).toBe(true);
    expect(isWriteConflict(new MongoServerError({ message: 'bad pipeline', code: 2 }))).toBe(false);

    let calls = 0;
    const flaky = () => (++calls < 3 ? Promise.reject(deadlock()) : Promise.resolve('done'));
    expect(await runResolvingConflicts(flaky, 'insertOne')).toBe('done');
    expect(calls).toBe(3);

    calls = 0;
    const stuck = () => (++calls, Promise.reject(deadlock()));
    await expect(runResolvingConflicts(stuck, 'findOneAndUpdate')).rejects.toMatchObject({
      status: 503,
      body: { error_code: 'WriteConflict', code: 112 },
    });
    expect(calls).toBe(8);

    // Part of a multi-document write may have happened before the conflict: not run again.
    calls = 0;
    await expect(runResolvingConflicts(stuck, 'insertMany')).rejects.toMatchObject({ status: 503 });
    expect(calls).toBe(1);

    calls = 0;
    const bad = () => (++calls, Promise.reject(new MongoServerError({ message: 'bad pipeline', code: 2 })));
    await expect(runResolvingConflicts(bad, 'aggregate')).rejects.toBeInstanceOf(MongoServerError);
    expect(calls).toBe(1);
  });
});
