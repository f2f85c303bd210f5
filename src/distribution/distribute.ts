// One distribution round for a service: offer the head of its queue to the best agent, again and
// again while there are matches. Runs once per service at a time (Service Bus session = serviceId),
// but races agents' own actions and other services' rounds for the same agents, so every claim is
// a conditional write; a crashed round is resumed by the next one from what the documents say.
import { freeSlots, ineligibility, type Agent } from '../domain/agent';
import { DomainError } from '../domain/errors';
import { chooseAgent, type RoutingDecision } from '../domain/routing';
import type { Service } from '../domain/service';
import { nextOfferId, openOffer, settleOffer, transition, type Offer, type Task } from '../domain/task';
import { update } from './optimistic';
import { PreconditionFailedError, type DistributionDeps, type QueueEntry, type Versioned } from './ports';

export interface RoundResult {
  readonly offers: number;
  /** True when the round stopped at its limit with work left (another round was requested). */
  readonly more: boolean;
}

/** Bounds one message's work so a function invocation stays short; the rest goes to a new message. */
const maxOffersPerRound = 200;

export async function distribute(serviceId: string, deps: DistributionDeps): Promise<RoundResult> {
  const service = (await deps.services.read(serviceId))?.value;
  if (!service || !service.imEnabled) return { offers: 0, more: false };
  let offers = 0;
  for (let step = 0; step < maxOffersPerRound * 2; step++) {
    const head = await deps.queue.head(serviceId);
    if (!head) return { offers, more: false };
    const outcome = await serveHead(service, head, deps);
    if (outcome === 'no-agent') return { offers, more: false };
    if (outcome === 'offered') offers++;
    if (offers >= maxOffersPerRound) {
      await deps.signal.requestDistribution(serviceId, 'round limit reached');
      return { offers, more: true };
    }
  }
  await deps.signal.requestDistribution(serviceId, 'round step limit reached');
  return { offers, more: true };
}

type HeadOutcome = 'offered' | 'skipped' | 'no-agent';

async function serveHead(service: Service, head: Versioned<QueueEntry>, deps: DistributionDeps): Promise<HeadOutcome> {
  const stored = await deps.tasks.read(head.value.taskId);
  const task = stored?.value;
  if (!stored || !task || task.serviceId !== service.id || (task.state !== 'queued' && task.state !== 'offered')) {
    // The entry outlived its task (cancelled, transferred, finished): drop it.
    await removeEntry(head, deps);
    return 'skipped';
  }
  if (task.state === 'offered') {
    // A round crashed after claiming the task: finish what it started.
    const offer = openOffer(task);
    if (offer) await completeClaim(task, offer, deps);
    await removeEntry(head, deps);
    return 'skipped';
  }

  const candidates = await deps.directory.candidatesFor(service.id);
  const agents = candidates.map((c) => c.value);
  const now = deps.clock.now();
  const refusedBy = task.offers.filter((o) => o.outcome === 'declined' || o.outcome === 'rona').map((o) => o.agentId);
  // Prefer agents who have not refused this task; if only they can take it, offer it to them again.
  const decision = chooseAgent(service, { id: task.id, refusedBy }, agents, now) ?? chooseAgent(service, { id: task.id, refusedBy: [] }, agents, now);
  if (!decision) return 'no-agent';
  return (await claim(service, stored, head, decision, deps)) ? 'offered' : 'skipped';
}

async function removeEntry(head: Versioned<QueueEntry>, deps: DistributionDeps): Promise<void> {
  try {
    await deps.queue.remove(head.value.serviceId, head.value.taskId, head.etag);
  } catch (err) {
    // The entry was re-written meanwhile (the task was re-queued): it is current, keep it.
    if (!(err instanceof PreconditionFailedError)) throw err;
  }
}

/** Claims the task for the chosen agent: the task first (queued -> offered), then the agent's slot. */
async function claim(service: Service, stored: Versioned<Task>, head: Versioned<QueueEntry>, decision: RoutingDecision, deps: DistributionDeps): Promise<boolean> {
  const now = deps.clock.now();
  const task = stored.value;
  const offer: Offer = {
    offerId: nextOfferId(task),
    agentId: decision.chosenAgentId,
    offeredAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + service.distribution.ronaTimeoutSeconds * 1000).toISOString(),
    outcome: 'open',
    decidedAt: null,
    routing: decision,
  };
  const offered = transition(task, 'offered', {
    offers: [...task.offers, offer],
    timings: { ...task.timings, firstOfferedAt: task.timings.firstOfferedAt ?? offer.offeredAt },
  });
  let claimed: Versioned<Task>;
  try {
    claimed = await deps.tasks.replace(offered, stored.etag);
  } catch (err) {
    if (err instanceof PreconditionFailedError) return false; // the task changed: look at the head again
    throw err;
  }
  const completed = await completeClaim(claimed.value, offer, deps);
  await removeEntry(head, deps);
  return completed;
}

/**
 * Gives the agent the offer's slot, schedules its ring-out and tells the agent. Idempotent: a
 * resumed round repeats it safely. When the agent has no room any more (another service's round
 * or the agent's own action won), the offer is withdrawn and the task goes back to its place.
 */
async function completeClaim(task: Task, offer: Offer, deps: DistributionDeps): Promise<boolean> {
  let agent: Agent | undefined;
  try {
    const { after } = await update(
      deps.agents,
      offer.agentId,
      (current): Agent | undefined => {
        if (current.offers.some((o) => o.offerId === offer.offerId)) return undefined;
        if (ineligibility(current, task.serviceId) !== undefined || freeSlots(current) === 0) return undefined;
        return { ...current, offers: [...current.offers, { offerId: offer.offerId, taskId: task.id, serviceId: task.serviceId, offeredAt: offer.offeredAt }], lastOfferAt: offer.offeredAt };
      },
      { code: 'AGENT.NOT_FOUND', message: `agent ${offer.agentId} no longer exists` },
    );
    agent = after.value;
  } catch (err) {
    if (!(err instanceof DomainError && err.code === 'AGENT.NOT_FOUND')) throw err;
  }
  if (!agent?.offers.some((o) => o.offerId === offer.offerId)) {
    await withdrawOffer(task.id, offer.offerId, deps);
    return false;
  }
  await deps.timeouts.schedule({ kind: 'offer', taskId: task.id, offerId: offer.offerId }, new Date(offer.expiresAt));
  await deps.notifier.notify(offer.agentId, offer.offerId, { type: 'offer', offerId: offer.offerId, taskId: task.id, serviceId: task.serviceId, expiresAt: offer.expiresAt });
  return true;
}

/** Takes back an open offer the agent could not hold: the task returns to its old place in the queue. */
async function withdrawOffer(taskId: string, offerId: string, deps: DistributionDeps): Promise<void> {
  const now = deps.clock.now().toISOString();
  const { after } = await update(
    deps.tasks,
    taskId,
    (task) => (openOffer(task)?.offerId === offerId ? transition(task, 'queued', { offers: settleOffer(task, offerId, 'withdrawn', now) }) : undefined),
    { code: 'TASK.NOT_FOUND', message: `task ${taskId} no longer exists` },
  );
  if (after.value.state === 'queued') await requeue(after.value, deps);
}

/** Puts a queued task's entry back with its old priority and arrival order: it keeps its place. */
export async function requeue(task: Task, deps: DistributionDeps): Promise<void> {
  await deps.queue.put({
    id: task.id,
    serviceId: task.serviceId,
    taskId: task.id,
    priority: task.priority,
    enqueueOrder: task.enqueueOrder,
    enqueuedAt: task.timings.queuedAt ?? deps.clock.now().toISOString(),
  });
}
