/** Problem types of the user service (profiles, addresses, preferences), each with one status. */
import { Problem, problems } from '../../lib/problem.ts';

export const userErrors = {
  userNotFound: () => problems.notFound('User'),
  profileNotFound: () => problems.notFound('Profile'),
  addressNotFound: () => problems.notFound('Address'),
  addressLimit: (limit: number) =>
    new Problem(409, 'address-limit', 'Address limit reached', `A user can keep at most ${limit} addresses.`, {
      extensions: { limit },
    }),
};
