/** What every cart function receives: the request's service context plus the catalog's cached reads. */
import type { ServiceContext } from '../context.ts';
import type { CatalogEstimates } from './estimates.ts';

export interface CartContext extends ServiceContext {
  catalog: CatalogEstimates;
}
