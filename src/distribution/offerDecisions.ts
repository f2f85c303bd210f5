// What becomes of an offer: the agent accepts or declines it, or it rings out (RONA).
import { offersToRecall, type Agent, type AgentOffer } from '../domain/agent';
import { DomainError } from '../domain/errors';
import { accepted, openOffer, settleOffer, taskIdOfOffer, transition, type Task } from '../domain/task';
import { dropOffer, offerToTask, settledSlot, updateAgent } from './agentTasks';
import { requeue } from './requeue';
import { update } from './optimistic';
import { tellWithdrawn } from './settledOffers';
import { PreconditionFailedError, type DistributionDeps, type Versioned } from './ports';

function findOffer(task: Task, offerId: string, agentId?: string) {
  const offer = task.offers.find((o) => o.offerId === offerId);
  if (!offer || (agentId !== undefined && offer.agentId !== agentId)) {
    throw new DomainError('OFFER.NOT_FOUND', `offer ${offerId} was not made to agent ${agentId ?? '?'}`, { offerId, agentId });
  }
  return offer;
}

const taskMissing = (taskId: string) => ({ code: 'TASK.NOT_FOUND' as const, message: `task ${taskId} not found` });

/**
 * The agent takes the chat. An accept after the offer's ring-out time, or once it was declined or
 * withdrawn, gets OFFER.NOT_OPEN; so does one before the agent holds the offer's slot (a round
 * claims the task, then the agent's slot, then tells the agent), since a chat accepted then would
 * hold no slot of the agent's and their capacity would count one chat short.
 */
export async function acceptOffer(agentId: string, offerId: string, deps: DistributionDeps): Promise<Task> {
  const taskId = taskIdOfOffer(offerId);
  const now = deps.clock.now().toISOString();
  // Read first, and written last against this read's ETag: the same requests as reading it then.
  const agent = await deps.agents.read(agentId);
  const slot = agent?.value.offers.find((o) => o.offerId === offerId);
  const holdsSlot = slot !== undefined || (agent?.value.tasks.some((t) => t.taskId === taskId) ?? false);
  if (slot && agent && offersToRecall(agent.value).some((o) => o.offerId === offerId) && (await recallOffer(agentId, offerId, deps))) {
    // The change that made the agent ineligible (or cut their capacity) recalls the offer; should
    // that not have happened yet (or been cut short), it happens now, and the chat is not connected
    // to them. An offer accepted already (a retry of an accept that got that far) is not recalled:
    // the accept goes on as a retry does.
    throw new DomainError('OFFER.NOT_OPEN', `offer ${offerId} was recalled: agent ${agentId} can no longer hold it (membership, licence, duty or capacity changed)`, { offerId, outcome: 'recalled' });
  }
  const after = (slot && (await acceptWithoutRead(slot, agentId, now, deps))) ?? (await acceptAsRead(taskId, offerId, agentId, holdsSlot, now, deps));
  const acwSeconds = after.value.offers.find((o) => o.offerId === offerId)?.afterCallWork.durationSeconds;
  await updateAgent(deps, agentId, (current) => offerToTask(current, offerId, taskId, after.value.serviceId, now, acwSeconds), agent);
  return after.value;
}

/** The accept decided on the task as it is now: refused when the offer is not open to the agent (`holdsSlot`: whether they hold its slot). */
async function acceptAsRead(taskId: string, offerId: string, agentId: string, holdsSlot: boolean, now: string, deps: DistributionDeps): Promise<Versioned<Task>> {
  const { after } = await update(
    deps.tasks,
    taskId,
    (task) => {
      const offer = findOffer(task, offerId, agentId);
      if (offer.outcome === 'accepted') {
        // A repeated accept while the chat goes on changes nothing; once the chat has ended there is nothing to accept.
        if (task.state === 'connected' || task.state === 'wrap-up') return undefined;
        throw new DomainError('TASK.ILLEGAL_TRANSITION', `task ${taskId} is ${task.state}: its chat has ended, so offer ${offerId} can no longer be accepted`, { taskId, from: task.state, to: 'connected' });
      }
      if (offer.outcome !== 'open') throw new DomainError('OFFER.NOT_OPEN', `offer ${offerId} is ${offer.outcome}, not open`, { offerId, outcome: offer.outcome });
      // Past its ring-out time an offer is over even before its timeout message has been handled.
      if (Date.parse(offer.expiresAt) <= Date.parse(now)) throw new DomainError('OFFER.NOT_OPEN', `offer ${offerId} rang out at ${offer.expiresAt}`, { offerId, outcome: 'rona' });
      if (!holdsSlot) throw new DomainError('OFFER.NOT_OPEN', `offer ${offerId} is not yet open to agent ${agentId}: their slot for it is still being claimed`, { offerId, agentId });
      return accepted(task, offerId, agentId, now);
    },
    taskMissing(taskId),
  );
  return after;
}

/**
 * The accept written without reading the task, on the condition that it is acceptable (domain's
 * `acceptable`): the agent holds the offer's slot. Undefined when the slot says it rang out, or the
 * task is not acceptable so: then it is read, and the accept decided (or refused, saying why) as it
 * is now.
 */
async function acceptWithoutRead(slot: AgentOffer, agentId: string, now: string, deps: DistributionDeps): Promise<Versioned<Task> | undefined> {
  if (slot.expiresAt !== undefined && slot.expiresAt <= now) return undefined;
  try {
    return await deps.tasks.acceptOpenOffer(slot.taskId, slot.offerId, agentId, now);
  } catch (err) {
    if (err instanceof PreconditionFailedError) return undefined;
    throw err;
  }
}

/**
 * Decline, ring-out, a recall or a withdrawal by the offer's timer: the task goes back to its old place, and
 * the agent's slot is freed; a ring-out also puts the agent into RONA and recalls the other offers
 * ringing for them. `expiresAt` (a ring-out timer's): the offer it was scheduled for; a
 * timer of a claim that did not hold (no such offer, or one claimed again with another ring-out
 * time) changes nothing. `known`: the task as the caller has just read it.
 */
async function settleOpen(
  offerId: string,
  outcome: 'declined' | 'rona' | 'withdrawn' | 'recalled',
  agentId: string | undefined,
  deps: DistributionDeps,
  { expiresAt, known }: { expiresAt?: string | undefined; known?: Versioned<Task> | undefined } = {},
): Promise<Task> {
  const taskId = taskIdOfOffer(offerId);
  const now = deps.clock.now().toISOString();
  const notThisTimers = (task: Task): boolean => expiresAt !== undefined && task.offers.find((o) => o.offerId === offerId)?.expiresAt !== expiresAt;
  const { after, before } = await update(
    deps.tasks,
    taskId,
    (task) => {
      if (notThisTimers(task)) return undefined;
      const offer = findOffer(task, offerId, agentId);
      if (offer.outcome !== 'open') {
        if (agentId !== undefined && offer.outcome !== outcome) {
          throw new DomainError('OFFER.NOT_OPEN', `offer ${offerId} is ${offer.outcome}, not open`, { offerId, outcome: offer.outcome });
        }
        return undefined; // settled already: a redelivery, or a settled offer's timeout doing nothing
      }
      // Past its ring-out time the offer is over for its agent, as for an accept: a late decline
      // does not spare the agent the RONA its timer is about to give.
      if (outcome === 'declined' && Date.parse(offer.expiresAt) <= Date.parse(now)) {
        throw new DomainError('OFFER.NOT_OPEN', `offer ${offerId} rang out at ${offer.expiresAt}`, { offerId, outcome: 'rona' });
      }
      return transition(task, 'queued', { offers: settleOffer(task, offerId, outcome, now) });
    },
    taskMissing(taskId),
    known,
  );
  const task = after.value;
  if (notThisTimers(task)) return task;
  const offer = findOffer(task, offerId);
  if (task.state === 'queued' && openOffer(task) === undefined) await requeue(after, deps);

  // Repair the agent whatever the task said before: drop a settled offer's slot once.
  let freed = false;
  const agentNow = await updateAgent(deps, offer.agentId, (agent): Agent | undefined => {
    if (offer.outcome === 'accepted') return settledSlot(agent, task, offerId, now);
    const dropped = dropOffer(agent, offerId);
    freed = dropped !== undefined;
    // Only the call that removes the offer puts the agent into RONA, so a redelivered timeout after
    // the agent made themselves available again does not put them back.
    if (dropped && offer.outcome === 'rona') return { ...dropped, rona: { since: now, taskId } };
    return dropped;
  });
  // A re-queued task, or a slot freed from an offer that was settled meanwhile, can make a match.
  if (before.state !== task.state || task.state === 'queued' || freed) await deps.signal.requestDistribution(task.serviceId, `offer ${outcome}`);
  // An agent in RONA is not available: the other offers ringing for them are recalled (no RONA for
  // those), so their tasks go to other agents now rather than at their own ring-out times. Also on a
  // redelivery, from what the agent still holds, as long as they are still in RONA.
  if (offer.outcome === 'rona' && agentNow?.rona) await recallWhile(agentNow, (a) => (a.rona ? a.offers : []), deps);
  return task;
}

export function declineOffer(agentId: string, offerId: string, deps: DistributionDeps): Promise<Task> {
  return settleOpen(offerId, 'declined', agentId, deps);
}

/**
 * The agent went busy, away or offline while the offer rang: it is recalled at once, rather than
 * left to ring out into RONA. The task goes back to its place (offered to someone else, and to this
 * agent again once back: a recall is no refusal), their slot is freed, and they are told. An offer
 * settled meanwhile (accepted, rung out) is left as it is.
 */
export async function recallOffer(agentId: string, offerId: string, deps: DistributionDeps): Promise<boolean> {
  try {
    const task = await settleOpen(offerId, 'recalled', agentId, deps);
    if (task.offers.find((o) => o.offerId === offerId)?.outcome !== 'recalled') return false;
  } catch (err) {
    if (err instanceof DomainError && (err.code === 'OFFER.NOT_OPEN' || err.code === 'OFFER.NOT_FOUND' || err.code === 'TASK.NOT_FOUND')) return false;
    throw err;
  }
  await tellWithdrawn(agentId, offerId, taskIdOfOffer(offerId), 'recalled', deps);
  return true;
}

/**
 * Recalls what `pick` says the agent may not hold, from `agent` as just written, then again from the
 * agent as they are after, until nothing is left to recall: an offer accepted meanwhile is not
 * recalled, and another may have to go in its place (a capacity cut). Bounded by the offers the
 * agent held. Returns the agent as they are at the end.
 */
export async function recallWhile(agent: Agent, pick: (agent: Agent) => readonly AgentOffer[], deps: DistributionDeps): Promise<Agent> {
  let current = agent;
  for (let pass = 0; pass <= agent.offers.length; pass++) {
    const offers = pick(current);
    if (offers.length === 0) return current;
    for (const offer of offers) await recallOffer(current.id, offer.offerId, deps);
    const now = await deps.agents.read(current.id);
    if (!now) return current;
    current = now.value;
  }
  return current;
}

/**
 * The offer's RONA timeout fired: on an open offer it rings out; on a settled one it only frees a
 * slot the agent still holds for it. `expiresAt`: the ring-out time the timer was scheduled for.
 *
 * An open offer whose claim's queue entry is still there was never announced: the round that made
 * it died before telling the agent and tidying the entry away, and no round has finished it since
 * (the task waits behind one nobody can take). The agent may never have heard of it, so it is
 * withdrawn instead, and they go into no RONA. (A round that died between telling the agent and
 * removing the entry spares the agent a RONA they earned: the lesser harm.)
 */
export async function expireOffer(offerId: string, deps: DistributionDeps, expiresAt?: string): Promise<Task> {
  const taskId = taskIdOfOffer(offerId);
  const known = await withoutLateClaim(taskId, offerId, deps);
  const offer = known?.value.offers.find((o) => o.offerId === offerId);
  const open = known !== undefined && offer?.outcome === 'open' && (expiresAt === undefined || offer.expiresAt === expiresAt);
  const untold = open && (await deps.queue.read(known.value.serviceId, taskId)) !== undefined;
  // An offer the agent may no longer hold (a change whose recall was cut short by a crash) goes back
  // as a recall would: it is no ring-out of theirs.
  const holder = open && !untold && offer ? (await deps.agents.read(offer.agentId))?.value : undefined;
  if (offer && holder && offersToRecall(holder).some((o) => o.offerId === offerId)) {
    const task = await settleOpen(offerId, 'recalled', undefined, deps, { expiresAt, known });
    await tellWithdrawn(offer.agentId, offerId, taskId, 'recalled', deps);
    return task;
  }
  return settleOpen(offerId, untold ? 'withdrawn' : 'rona', undefined, deps, { expiresAt, known });
}

/** Times a ring-out timer tries to fence off its claim before it gives up (each failure means the task was written meanwhile). */
const fenceAttempts = 3;

/**
 * The task as its ring-out timer finds it. The timer goes out with the task's claim, so it can fire
 * before the claim lands: a write slower than the ring-out time (a throttled request retried, a
 * paused instance), from a round that may have died meanwhile. Landing then, the claim would leave
 * an open offer with no timer to ring it out and no slot. So a task still queued without the offer
 * is written back unchanged, and a claim landing later fails its condition (the task's ETag); one
 * that landed first shows when the write fails and the task is read again.
 */
async function withoutLateClaim(taskId: string, offerId: string, deps: DistributionDeps): Promise<Versioned<Task> | undefined> {
  for (let attempt = 1; ; attempt++) {
    const known = await deps.tasks.read(taskId);
    if (!known || known.value.state !== 'queued' || known.value.offers.some((o) => o.offerId === offerId) || attempt > fenceAttempts) return known;
    try {
      return await deps.tasks.replace(known.value, known.etag);
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
    }
  }
}
