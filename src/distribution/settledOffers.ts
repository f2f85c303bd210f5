// An open offer settled by someone other than its agent (a cancel, a transfer) may still have its
// agent's slot being claimed by the round that made it: a slot that lands after the offer was
// settled is held for nothing, and the agent may be told of an offer they cannot answer. Its
// ring-out timer frees it, but only at the ring-out time (up to ten minutes). So the slot is freed
// at once if the agent holds it, and looked at again shortly after, once a claim in flight has
// landed; either way the agent is told the offer is withdrawn, after any announcement.
import type { Offer, Task } from '../domain/task';
import { settledSlot, updateAgent } from './agentTasks';
import type { DistributionDeps } from './ports';

/** How long after the settlement the second look comes: a slot claim takes milliseconds. */
const secondLookAfterMs = 5_000;

/**
 * Frees the agent's slot for `offer`, which `task` records as settled (not by its agent), schedules
 * the second look, tells the agent it is withdrawn and asks `serviceId`, where it was made, for a
 * round. Safe to repeat: a repeat does the same (the second look is keyed by the offer).
 */
export async function releaseSettledOffer(task: Task, offer: Offer, serviceId: string, reason: string, deps: DistributionDeps): Promise<void> {
  await updateAgent(deps, offer.agentId, (agent) => settledSlot(agent, task, offer.offerId, deps.clock.now().toISOString()));
  await scheduleSecondLook(task.id, offer.offerId, deps);
  await tellWithdrawn(offer.agentId, offer.offerId, task.id, reason, deps);
  await deps.signal.requestDistribution(serviceId, `offer ${reason}`);
}

/** Tells the agent an offer is withdrawn; keyed by the offer, so telling again moves the event to the latest. */
export async function tellWithdrawn(agentId: string, offerId: string, taskId: string, reason: string, deps: DistributionDeps): Promise<void> {
  await deps.notifier.notify(agentId, `${offerId}.withdrawn`, { type: 'offer-withdrawn', offerId, taskId, reason });
}

/** Schedules the second look at an offer settled (or about to be) by someone other than its agent; keyed by the offer. */
export async function scheduleSecondLook(taskId: string, offerId: string, deps: DistributionDeps): Promise<void> {
  await deps.timeouts.schedule({ kind: 'settled-offer', taskId, offerId }, new Date(deps.clock.now().getTime() + secondLookAfterMs));
}

/**
 * The second look: frees a slot that landed after the offer was settled, tells the agent again that
 * it is withdrawn (the round that claimed the slot may have told them of it since) and asks for a
 * round. An open offer (which the settlement's offer never is again) is left to its ring-out timer.
 */
export async function secondLookAtSettledOffer(taskId: string, offerId: string, deps: DistributionDeps): Promise<Task | undefined> {
  const task = (await deps.tasks.read(taskId))?.value;
  const offer = task?.offers.find((o) => o.offerId === offerId);
  if (!task || !offer || offer.outcome === 'open' || offer.outcome === 'accepted') return task;
  let serviceId: string | undefined;
  await updateAgent(deps, offer.agentId, (agent) => {
    serviceId = agent.offers.find((o) => o.offerId === offerId)?.serviceId;
    return settledSlot(agent, task, offerId, deps.clock.now().toISOString());
  });
  if (serviceId === undefined) return task; // nothing landed: nothing to free
  await tellWithdrawn(offer.agentId, offerId, taskId, offer.outcome, deps);
  await deps.signal.requestDistribution(serviceId, 'slot of a settled offer freed');
  return task;
}
