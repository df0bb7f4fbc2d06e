/**
 * Runs `stop` once when this process is asked to end in any way it can notice:
 * SIGINT (Ctrl-C), SIGTERM (`kill`), SIGHUP (terminal closed), SIGQUIT, or its parent
 * going away. The last matters for `npm run dev`: `kill <npm pid>` ends npm and its
 * `sh -c`, and the script below them is re-parented without receiving any signal; it
 * notices by polling its parent pid. (SIGKILL cannot be caught by anyone.)
 */
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/** Registers `stop`; returns a function that triggers it from code (e.g. a child exited). */
export function onStop(
  stop: (reason: string) => Promise<void>,
  opts: { parentPollMs?: number } = {},
): (reason: string) => void {
  let stopping = false;
  const run = (reason: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(parentWatch);
    void stop(reason);
  };
  for (const signal of SIGNALS) process.on(signal, () => run(signal));
  const parent = process.ppid;
  const parentWatch = setInterval(() => {
    if (process.ppid !== parent) run('parent exited');
  }, opts.parentPollMs ?? 500);
  parentWatch.unref();
  return run;
}
