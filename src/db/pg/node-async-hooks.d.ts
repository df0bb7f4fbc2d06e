/**
 * The part of `node:async_hooks` the Worker uses (workerd provides it with `nodejs_compat`;
 * the Worker's tsconfig has no Node types).
 */
declare module 'node:async_hooks' {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, fn: () => R): R;
  }
}
