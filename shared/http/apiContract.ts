import { clientsContract } from '../../functions/clients/contract.ts';
import { eventsContract } from '../../functions/events/contract.ts';
import { healthContract } from '../../functions/health/contract.ts';
import { hooksContract } from '../../functions/hooks/contract.ts';
import { interlocksContract } from '../../functions/interlocks/contract.ts';
import { ovationContract } from '../../functions/ovation/contract.ts';
import { servicesContract } from '../../functions/services/contract.ts';
import { triggersContract } from '../../functions/triggers/contract.ts';
import type { Contract } from './operation.ts';

/**
 * Every operation's contract, keyed by manifest route. A new route adds its declaration to its
 * function's `contract.ts` (and a new function its contract here); test/unit/openApi.test.ts fails
 * while a manifest route has none.
 */
export const apiContract: Contract = {
  ...healthContract,
  ...hooksContract,
  ...ovationContract,
  ...eventsContract,
  ...servicesContract,
  ...interlocksContract,
  ...triggersContract,
  ...clientsContract,
};
