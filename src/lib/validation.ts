import type { ZodError } from 'zod';

import { problems, type FieldError } from './problem.ts';

/** One zod issue as this formatter reads it (zod 4's `$ZodIssue`, loosely typed). */
interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
  expected?: string;
  /** invalid_union: one issue list per alternative (empty for a discriminated union's unknown tag). */
  errors?: Issue[][];
}

const joinPath = (base: string, path: PropertyKey[]) => [base, ...path.map(String)].join('.');

/** A missing key or the wrong kind of value for the whole alternative: the alternative does not fit at all. */
function isStructural(issue: Issue): boolean {
  if (issue.code === 'unrecognized_keys') return true;
  if (issue.code === 'invalid_union') return (issue.errors ?? []).every((branch) => branch.some(isStructural));
  return issue.code === 'invalid_type' && (issue.path.length === 0 || /received undefined$/.test(issue.message));
}

function messageOf(issue: Issue): string {
  return issue.code === 'unrecognized_keys' ? `Unknown field(s): ${(issue.keys ?? []).join(', ')}` : issue.message;
}

/**
 * A failed union names the alternative that came closest, field by field: the one
 * with the fewest structural misfits (missing or unknown keys, a wrong type for the
 * whole value), then the fewest issues. When no alternative stands out the union's
 * own field lists every accepted form with what each lacks.
 */
function unionErrors(issue: Issue, base: string): FieldError[] {
  const field = joinPath(base, issue.path);
  const branches = issue.errors ?? [];
  if (branches.length === 0) return [{ field, message: issue.message }]; // unknown discriminator: zod names the options
  const score = (b: Issue[]) => [b.filter(isStructural).length, b.length] as const;
  const ranked = branches.map((b) => ({ b, s: score(b) })).sort((x, y) => x.s[0] - y.s[0] || x.s[1] - y.s[1]);
  const [best, second] = ranked;
  if (best && best.s[0] === 0 && (!second || second.s[0] > 0 || second.s[1] > best.s[1])) {
    return best.b.flatMap((i) => issueErrors(i, field));
  }
  // The value is of none of the accepted types (e.g. null for string | number).
  if (branches.every((b) => b.length === 1 && b[0]!.code === 'invalid_type' && b[0]!.path.length === 0)) {
    if (issue.message && issue.message !== 'Invalid input') return [{ field, message: issue.message }];
    const expected = [...new Set(branches.map((b) => b[0]!.expected ?? 'value'))];
    return [{ field, message: `Invalid input: expected ${expected.join(' or ')}` }];
  }
  const forms = branches.map(
    (b, n) =>
      `(${n + 1}) ${b.map((i) => `${i.path.length ? `${i.path.map(String).join('.')}: ` : ''}${messageOf(i)}`).join(', ')}`,
  );
  return [{ field, message: `must match one of ${branches.length} accepted forms: ${forms.join('; ')}` }];
}

function issueErrors(issue: Issue, base: string): FieldError[] {
  if (issue.code === 'invalid_union') {
    // Paths inside an alternative are relative to the union.
    return unionErrors(issue, base);
  }
  return [{ field: joinPath(base, issue.path), message: messageOf(issue) }];
}

/** Turns zod issues into field errors named by location, e.g. `body.email`. */
function fieldErrors(error: ZodError, target: string): FieldError[] {
  return (error.issues as unknown as Issue[]).flatMap((issue) => issueErrors(issue, target));
}

export function validationProblem(error: ZodError, target: string) {
  return problems.validation(fieldErrors(error, target));
}

/**
 * Fields whose string (or object key) holds a NUL character. PostgreSQL text cannot
 * store U+0000 (it answers an error, which would be a 500), and no field of this API
 * has a use for it, so every validated input is checked once here instead of in each
 * schema.
 */
export function nulFields(value: unknown, base: string, out: FieldError[] = [], depth = 0): FieldError[] {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) out.push({ field: base, message: 'must not contain the NUL character (U+0000)' });
  } else if (Array.isArray(value)) {
    if (depth < 32) value.forEach((v, i) => nulFields(v, `${base}.${i}`, out, depth + 1));
  } else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000'))
        out.push({ field: base, message: 'must not contain a key with the NUL character (U+0000)' });
      else if (depth < 32) nulFields(v, `${base}.${k}`, out, depth + 1);
    }
  }
  return out;
}
