// What a scheduled timeout message does when it comes: an offer rings out (RONA), a second look at
// the slot of an offer a cancel or transfer settled, or After Call Work runs out.
import type { Task } from '../domain/task';
import { acwTimedOut } from './afterCallWork';
import { expireOffer } from './offerDecisions';
import type { DistributionDeps, TimeoutMessage } from './ports';
import { secondLookAtSettledOffer } from './settledOffers';

/** Handles one timeout message; each is idempotent. The task as it is then (undefined: it no longer exists). */
export function handleTimeout(message: TimeoutMessage, deps: DistributionDeps): Promise<Task | undefined> {
  switch (message.kind) {
    case 'offer':
      return expireOffer(message.offerId, deps, message.expiresAt);
    case 'settled-offer':
      return secondLookAtSettledOffer(message.taskId, message.offerId, deps);
    case 'acw':
      return acwTimedOut(message.taskId, message.acwVersion, deps);
  }
}
