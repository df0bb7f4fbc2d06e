/** A problem the person starting the stack can fix, said in one line (no stack trace). */
export class StackSetupError extends Error {
  override name = 'StackSetupError';
}
