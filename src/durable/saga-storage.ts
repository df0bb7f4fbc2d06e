/**
 * The order saga's storage in its Durable Object's SQLite database (`SagaStorage`, runner.ts):
 * `saga` the state (read through `readSagaState`, which migrates older shapes), `saga_runner`
 * the runner's attempts and what reached PostgreSQL and the queue, `saga_log` every transition
 * with the round trips it made (GET /orders/{id}/saga shows what an order cost).
 * `changed` is called on every save of the state or of the runner's record.
 */
import { readRunnerMeta, type SagaStorage } from '../services/orders/saga/runner.ts';
import { readSagaState } from '../services/orders/saga/state.ts';

export function sagaStorage(ctx: DurableObjectState, changed: () => void): SagaStorage {
  // Not awaited (a constructor cannot): the runtime holds every event until it settles, and a
  // throw resets the object, so nothing is lost by not holding the promise.
  void ctx.blockConcurrencyWhile(async () => {
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS saga (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL)`,
    );
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS saga_runner (id INTEGER PRIMARY KEY CHECK (id = 1), meta TEXT NOT NULL)`,
    );
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS saga_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, event TEXT NOT NULL)`,
    );
  });
  const sql = ctx.storage.sql;
  const log = (entry: object) =>
    sql.exec('INSERT INTO saga_log (at, event) VALUES (?, ?)', new Date().toISOString(), JSON.stringify(entry));
  return {
    load() {
      const row = sql.exec<{ state: string }>('SELECT state FROM saga WHERE id = 1').toArray()[0];
      return row ? readSagaState(JSON.parse(row.state)) : null;
    },
    save(state, event) {
      sql.exec('INSERT OR REPLACE INTO saga (id, state) VALUES (1, ?)', JSON.stringify(state));
      log(event);
      changed();
    },
    meta() {
      const row = sql.exec<{ meta: string }>('SELECT meta FROM saga_runner WHERE id = 1').toArray()[0];
      return readRunnerMeta(row ? JSON.parse(row.meta) : null);
    },
    saveMeta(meta) {
      sql.exec('INSERT OR REPLACE INTO saga_runner (id, meta) VALUES (1, ?)', JSON.stringify(meta));
      changed();
    },
    log,
    setAlarm: (at) => ctx.storage.setAlarm(at),
    deleteAlarm: () => ctx.storage.deleteAlarm(),
  };
}
