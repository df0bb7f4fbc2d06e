import type { ZodError } from 'zod';
import { problems, type FieldError } from './problem.ts';

/** Turns zod issues into field errors named by location, e.g. `body.email`. */
export function fieldErrors(error: ZodError, target: string): FieldError[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String);
    // A missing key reports its own name in the path; an unrecognized key names itself in `keys`.
    if (issue.code === 'unrecognized_keys') {
      return { field: [target, ...path].join('.'), message: `Unknown field(s): ${issue.keys.join(', ')}` };
    }
    return { field: [target, ...path].join('.'), message: issue.message };
  });
}

export function validationProblem(error: ZodError, target: string) {
  return problems.validation(fieldErrors(error, target));
}
