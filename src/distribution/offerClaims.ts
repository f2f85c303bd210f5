// An offer's claims, as a distribution round and a direct offer make them: the task (queued ->
// offered, with the offer's ring-out timer scheduled meanwhile), then the agent's slot, then the
// agent told; and taking an offer back when the agent cannot hold it or it is past its time. Every
// claim is a conditional write, and every step is idempotent, so a resumed round repeats it safely.
import { freeSlots, ineligibility, type Agent } from '../domain/agent';
import { DomainError } from '../domain/errors';
import type { RoutingDecision } from '../domain/routing';
import type { Service } from '../domain/service';
import { nextOfferId, offered, openOffer, settleOffer, transition, type Offer, type Task } from '../domain/task';
import { settledSlot, updateAgent } from './agentTasks';
import { update } from './optimistic';
import { requeue } from './requeue';
import { scheduleSecondLook } from './settledOffers';
import { PreconditionFailedError, type DistributionDeps, type QueueEntry, type Versioned } from './ports';

/** The open offer the decision makes: its id follows the task's offers so far, so a resumed round reuses it. */
export function newOffer(service: Service, taskId: string, offersSoFar: number, decision: RoutingDecision, now: Date): Offer {
  return {
    offerId: nextOfferId(taskId, offersSoFar),
    agentId: decision.chosenAgentId,
    offeredAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + service.distribution.ronaTimeoutSeconds * 1000).toISOString(),
    outcome: 'open',
    decidedAt: null,
    routing: decision,
    afterCallWork: service.afterCallWork,
  };
}

/** Claims the task as its queue entry describes it (queued -> offered) without reading it; undefined when it changed since. */
export async function claimQueued(entry: QueueEntry, offer: Offer, deps: DistributionDeps): Promise<Task | undefined> {
  try {
    return (await deps.tasks.offerQueued(entry, offer)).value;
  } catch (err) {
    if (err instanceof PreconditionFailedError) return undefined;
    throw err;
  }
}

/** Claims the task as read (queued -> offered with the open offer); undefined when the task changed. */
export async function claimAsRead(stored: Versioned<Task>, offer: Offer, deps: DistributionDeps): Promise<Task | undefined> {
  try {
    return (await deps.tasks.replace(offered(stored.value, offer), stored.etag)).value;
  } catch (err) {
    if (err instanceof PreconditionFailedError) return undefined;
    throw err;
  }
}

/** Claims the task as read for the chosen agent, scheduling the offer's ring-out timer meanwhile; undefined when the task changed. */
export async function claimTask(service: Service, stored: Versioned<Task>, decision: RoutingDecision, deps: DistributionDeps): Promise<{ task: Task; offer: Offer } | undefined> {
  const offer = newOffer(service, stored.value.id, stored.value.offers.length, decision, deps.clock.now());
  const task = await withRingOut(stored.value.id, offer, claimAsRead(stored, offer, deps), deps);
  return task && { task, offer };
}

/**
 * A task's claim with the offer's ring-out timer scheduled meanwhile: the agent's slot may be
 * claimed once both are done, so that no slot is ever held without the timer that frees it. (A
 * timer whose claim did not hold finds no such offer when it fires and does nothing.)
 */
export async function withRingOut<T>(taskId: string, offer: Offer, claim: Promise<T>, deps: DistributionDeps): Promise<T> {
  const [claimed] = await Promise.all([claim, scheduleRingOut(taskId, offer, deps)]);
  return claimed;
}

/**
 * How long before its ring-out time an offer is too late for a slot. The ring-out timer fires by
 * Service Bus's clock and a slot is claimed by the function instance's, so a slot landing just
 * before the ring-out time by the instance's clock may land after the timer ran, which would not
 * free it; this margin allows for that much clock skew between them. (An agent could not answer an
 * offer in its last two seconds anyway; the task goes back to its place and is offered afresh.)
 */
const lastMomentMs = 2_000;

/** Whether the offer is too near its ring-out time (or past it) for the agent to be given its slot. */
export function tooLateForSlot(offer: Offer, now: number): boolean {
  return Date.parse(offer.expiresAt) - lastMomentMs <= now;
}

/**
 * The agent holding the offer's slot; undefined when they hold it already, cannot take it, or the
 * offer is too near its ring-out time (its timer may have run, and would not free a slot taken now).
 */
export function withOffer(agent: Agent, task: Task, offer: Offer, now: number): Agent | undefined {
  if (agent.offers.some((o) => o.offerId === offer.offerId) || tooLateForSlot(offer, now)) return undefined;
  if (ineligibility(agent, task.serviceId) !== undefined || freeSlots(agent) === 0) return undefined;
  return { ...agent, offers: [...agent.offers, { offerId: offer.offerId, taskId: task.id, serviceId: task.serviceId, offeredAt: offer.offeredAt, expiresAt: offer.expiresAt }], lastOfferAt: offer.offeredAt };
}

/**
 * Gives the agent the offer's slot: one conditional write against the ETag the candidates query
 * returned, read-decide-write again if the agent changed since. Returns the agent holding the
 * slot, or undefined when the agent has no room any more or the slot was held too near the offer's
 * ring-out time. Then the offer is taken back and the task goes back to its place, unless the
 * caller does that itself, with takeBack() (the agent may hold the slot). The offer's ring-out
 * timer must be scheduled already: it is what frees the slot if the offer is settled by someone
 * else while the slot is being claimed, or the caller dies before telling the agent. Idempotent: a
 * resumed round repeats it safely.
 */
export async function claimSlot(task: Task, offer: Offer, deps: DistributionDeps, known: Versioned<Agent> | undefined, { withdraw = true } = {}): Promise<Versioned<Agent> | undefined> {
  const slot = await takeSlot(task, offer, deps, known);
  if (slot && !tooLateForSlot(offer, deps.clock.now().getTime())) return slot;
  // A slot that landed too near the offer's ring-out time, or after it, is given back as one that
  // could not be claimed: the timer may have run before it landed, and would not free it. It goes
  // back only after the offer is withdrawn, and as the task then says (takeBack): the agent sees the
  // offer in their list once the slot is theirs (or held it already, from a round that died before
  // telling them), and an accept that landed first keeps the chat, with this slot as its own.
  if (withdraw) await (slot ? takeBack(task.id, offer, deps) : withdrawOffer(task.id, offer.offerId, deps));
  return undefined;
}

/** The agent holding the offer's slot after claiming it; undefined when they cannot take it. */
async function takeSlot(task: Task, offer: Offer, deps: DistributionDeps, known: Versioned<Agent> | undefined): Promise<Versioned<Agent> | undefined> {
  const now = (): number => deps.clock.now().getTime();
  if (known) {
    const next = withOffer(known.value, task, offer, now());
    if (next) {
      try {
        return await deps.agents.replace(next, known.etag);
      } catch (err) {
        if (!(err instanceof PreconditionFailedError)) throw err;
      }
    }
  }
  let agent: Versioned<Agent> | undefined;
  try {
    agent = (await update(deps.agents, offer.agentId, (current) => withOffer(current, task, offer, now()), { code: 'AGENT.NOT_FOUND', message: `agent ${offer.agentId} no longer exists` })).after;
  } catch (err) {
    if (!(err instanceof DomainError && err.code === 'AGENT.NOT_FOUND')) throw err;
  }
  return agent?.value.offers.some((o) => o.offerId === offer.offerId) ? agent : undefined;
}

/**
 * Takes back an offer whose agent may hold its slot (one past or too near its ring-out time that its
 * timer has not rung out, or one whose slot landed too late): the agent may never have been told of
 * it, so it is withdrawn, not rung out into RONA, and the task goes back to its place. The task
 * first, conditional on its ETag, then the agent's slot as the task then says: an accept that came in
 * before the ring-out time either lands first (the chat goes on, and the agent keeps the slot as the
 * chat's) or fails. A crash between the writes leaves a slot held for a withdrawn offer. Its ring-out
 * timer frees it if it is still to come, but it may have run already (a slot that landed late), so a
 * second look at the settled offer is scheduled first, as a cancel does (settledOffers.ts).
 */
export async function takeBack(taskId: string, offer: Offer, deps: DistributionDeps): Promise<void> {
  await scheduleSecondLook(taskId, offer.offerId, deps);
  const after = await withdrawOffer(taskId, offer.offerId, deps);
  const now = deps.clock.now().toISOString();
  await updateAgent(deps, offer.agentId, (agent) => settledSlot(agent, after, offer.offerId, now));
}

/**
 * Tells the agent of the offer (its ring-out timer was scheduled before the slot was claimed). Keyed
 * by the offer, so telling again is harmless: when it fails, the round fails, and the next round
 * announces the offer again.
 */
export async function announce(task: Task, offer: Offer, deps: DistributionDeps): Promise<void> {
  await deps.notifier.notify(offer.agentId, offer.offerId, { type: 'offer', offerId: offer.offerId, taskId: task.id, serviceId: task.serviceId, expiresAt: offer.expiresAt });
}

/** The offer's ring-out timer, keyed by the offer and its ring-out time (scheduling it again changes nothing), due then. */
function scheduleRingOut(taskId: string, offer: Offer, deps: DistributionDeps): Promise<void> {
  return deps.timeouts.schedule({ kind: 'offer', taskId, offerId: offer.offerId, expiresAt: offer.expiresAt }, new Date(offer.expiresAt));
}

/**
 * Finishes a claim left half done (by a crashed round, or a direct offer repeated): the ring-out
 * timer, the agent's slot, the agent told. The agent holding the slot, or undefined when the offer
 * had to be withdrawn.
 */
export async function completeClaim(task: Task, offer: Offer, deps: DistributionDeps, known: Versioned<Agent> | undefined): Promise<Versioned<Agent> | undefined> {
  await scheduleRingOut(task.id, offer, deps);
  const slot = await claimSlot(task, offer, deps, known);
  if (slot) await announce(task, offer, deps);
  return slot;
}

/** Takes back an open offer the agent could not hold: the task returns to its old place in the queue. Returns the task as it is then. */
export async function withdrawOffer(taskId: string, offerId: string, deps: DistributionDeps): Promise<Task> {
  const now = deps.clock.now().toISOString();
  const { after } = await update(
    deps.tasks,
    taskId,
    (task) => (openOffer(task)?.offerId === offerId ? transition(task, 'queued', { offers: settleOffer(task, offerId, 'withdrawn', now) }) : undefined),
    { code: 'TASK.NOT_FOUND', message: `task ${taskId} no longer exists` },
  );
  if (after.value.state === 'queued') await requeue(after, deps);
  return after.value;
}
