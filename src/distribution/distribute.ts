// One distribution round for a service: offer the head of its queue to the best agent, again and
// again while there are matches. Runs once per service at a time (Service Bus session = serviceId),
// but races agents' own actions and other services' rounds for the same agents, so every claim is
// a conditional write; a crashed round is resumed by the next one from what the documents say.
//
// A round works in batches: it reads the first entries of the queue (and the candidate agents, kept
// for a few batches), then for each task in queue order decides, claims the task and claims the
// agent's slot (two conditional writes, the agent's against the ETag the candidates read returned;
// a task's claim overlaps the previous task's slot claim). The offer's ring-out timer goes out with
// the task's claim, before the slot is claimed, so that no agent ever holds a slot without the timer
// that frees it, whatever becomes of the round. An entry says how its task was when it was queued,
// so a task is decided and claimed from its entry, conditional on the task's ETag then; only a task
// changed since is read and decided again from what it says now. The next batch's entries are read
// while the last task of a batch is claimed, and that task's slot claim goes on into the next
// batch, overlapping its first task's claim as within a batch; when it fails, both go back as
// within a batch. Only the agent's notification and tidying the queue entry run in the background,
// while the next batch goes on (passing over the entries being tidied); the round ends when they
// are done.
// When an agent's slot cannot be claimed the task goes back to its place and the batch ends, so no
// later task is offered while an earlier one still waits.
import { freeSlots, ineligibility, type Agent } from '../domain/agent';
import { chooseAgent, type RoutingDecision } from '../domain/routing';
import type { Service } from '../domain/service';
import { openOffer, rangOutBy, refusedBy, type Offer, type Task } from '../domain/task';
import { announce, claimAsRead, claimQueued, claimSlot, completeClaim, newOffer, takeBack, tooLateForSlot, withdrawOffer, withOffer, withRingOut } from './offerClaims';
import { PreconditionFailedError, type DistributionDeps, type QueueEntry, type Versioned } from './ports';

export interface RoundResult {
  readonly offers: number;
  /** True when the round stopped at its limit with work left (another round was requested). */
  readonly more: boolean;
}

/**
 * Queue entries read and decided at a time. Small, because a task that arrives at the head of the
 * queue (a higher priority) waits for the batch under way and, when it came after the next batch
 * was read ahead, for that one too: with the queue's index a batch's read costs about a point read,
 * so small batches cost little more per assignment. Measured with the distribution bench, 3 gave
 * the probes a p50 of 39-44 ms against 49-56 ms with 5, for about the same offers/s.
 */
const batchSize = 3;
/** Bounds one message's work so a function invocation stays short; the rest goes to a new message. */
const maxOffersPerRound = 500;
/** How long a round keeps deciding from one read of the candidates (kept current by its own claims). */
const candidatesMaxAgeMs = 500;

/**
 * The round's offers still being announced and their queue entries removed, by the entry's ETag.
 * The next batch reads the queue without waiting for them and passes over exactly those entries (a
 * task re-queued meanwhile has a new entry ETag and is not passed over). All settle before the round
 * ends; the first failure fails the round, and its entry, left in the queue, is resumed next round.
 */
class Tidying {
  readonly #work = new Map<string, Promise<unknown>>();
  #failure: { reason: unknown } | undefined;

  add(head: Versioned<QueueEntry>, work: Promise<unknown>): void {
    const tracked = work.finally(() => this.#work.delete(head.etag));
    tracked.catch((reason: unknown) => void (this.#failure ??= { reason }));
    this.#work.set(head.etag, tracked);
  }

  /** The ETags of the entries being removed now. */
  entries(): ReadonlySet<string> {
    return new Set(this.#work.keys());
  }

  get failed(): boolean {
    return this.#failure !== undefined;
  }

  async settle(): Promise<void> {
    await Promise.allSettled([...this.#work.values()]);
  }

  throwIfFailed(): void {
    if (this.#failure) throw this.#failure.reason;
  }
}

/** A decision that goes back to an agent who refused the task, saying so in the routing log. */
function offeredAgain(decision: RoutingDecision | undefined, task: { refusedBy: readonly string[]; rangOutBy?: readonly string[] | undefined }): RoutingDecision | undefined {
  if (!decision || !task.refusedBy.includes(decision.chosenAgentId)) return decision;
  const how = task.rangOutBy?.includes(decision.chosenAgentId) ? 'let it ring out' : 'declined it';
  return { ...decision, decidedBy: `offered again to an agent who ${how}: nobody else can take it now (${decision.decidedBy})` };
}

export async function distribute(serviceId: string, deps: DistributionDeps): Promise<RoundResult> {
  const service = (await deps.services.read(serviceId))?.value;
  if (!service || !service.imEnabled) return { offers: 0, more: false };
  const tidying = new Tidying();
  let result: RoundResult;
  try {
    result = await batches(service, deps, tidying);
  } finally {
    await tidying.settle();
  }
  tidying.throwIfFailed();
  if (result.more) await deps.signal.requestDistribution(serviceId, 'round limit reached');
  return result;
}

/** The round itself: batch after batch while there are matches, up to its limit. */
async function batches(service: Service, deps: DistributionDeps, tidying: Tidying): Promise<RoundResult> {
  const serviceId = service.id;
  const required = service.distribution.policy === 'skills' ? service.distribution.requiredSkills : [];
  const freeIn = (candidates: Map<string, Versioned<Agent>>): number =>
    [...candidates.values()].reduce((sum, c) => sum + (ineligibility(c.value, service.id, required) === undefined ? freeSlots(c.value) : 0), 0);
  const state: RoundState = { candidates: new Map(), offers: 0 };
  /**
   * The first entries of the queue, as many as the candidates have free slots (and at least one, so
   * that a task a crashed round left half claimed at the head is finished even when every slot is
   * taken), passing over the entries being removed and `claiming` (entries whose tasks are claimed).
   */
  const readHeads = async (claiming: readonly string[] = []): Promise<readonly Versioned<QueueEntry>[]> => {
    const wanted = Math.max(1, Math.min(batchSize, freeIn(state.candidates)));
    const passOver = new Set([...tidying.entries(), ...claiming]);
    return (await deps.queue.first(serviceId, wanted + passOver.size)).filter((head) => !passOver.has(head.etag)).slice(0, wanted);
  };
  let readAt: number | undefined;
  /** The next batch's entries, read while the last task of the batch before was claimed. */
  let readAhead: Promise<readonly Versioned<QueueEntry>[]> | undefined;
  /** The last slot claim of the batch before, still under way while the next batch's first task is claimed. */
  let carried: InFlight | undefined;
  /**
   * Settles the carried slot claim; false when it failed and its task went back to its place. Each
   * caller then reads the queue afresh: the fresh read of the agents drops the read ahead, and the
   * other callers hold none.
   */
  const land = async (): Promise<boolean> => {
    const flight = carried;
    carried = undefined;
    return !flight || landFlight(flight, state, tidying, deps);
  };
  /** Batch after batch; true when the round stopped at its limit with work left. */
  const loop = async (): Promise<boolean> => {
    for (let batch = 0; batch < (maxOffersPerRound / batchSize) * 4; batch++) {
      // The candidates first: the batch is no larger than the free slots, so an assignment costs the
      // same whether ten or ten thousand tasks wait. They are read again when the last read is old or
      // has no free slot left (once the claim carried over has landed, so that the read shows it);
      // meanwhile the round's own claims keep it current, and an agent changed by someone else fails
      // its ETag-conditional slot claim and is decided again from a fresh read.
      const now = deps.clock.now().getTime();
      const fresh = readAt === undefined || now - readAt > candidatesMaxAgeMs || freeIn(state.candidates) === 0;
      if (fresh) {
        await land();
        state.candidates = new Map((await deps.directory.candidatesFor(service.id)).map((c) => [c.value.id, c]));
        readAt = now;
        readAhead = undefined; // sized for the agents read before; the queue is read again
      }
      const heads = (await readAhead) ?? (await readHeads());
      readAhead = undefined;
      if (heads.length === 0) {
        // Nothing more waits, unless the claim carried over failed and put its task back.
        if (await land()) return false;
        continue;
      }
      const outcome = await serveBatch(service, heads, state, deps, tidying, readHeads, carried);
      carried = outcome.carried;
      readAhead = outcome.next;
      if (outcome.stop) {
        // Nobody could take the head: the round is over, unless an older read of the agents said so.
        if (fresh) return false;
        readAt = undefined;
      }
      if (state.offers >= maxOffersPerRound || tidying.failed) return !tidying.failed;
    }
    return !tidying.failed;
  };
  let more: boolean;
  try {
    more = await loop();
  } finally {
    // However the round ends, the claim carried over is settled: announced when it held.
    if (!(await land())) more = !tidying.failed;
  }
  return { offers: state.offers, more };
}

/** What a round keeps while it decides: the candidates, kept current by its own claims, and the offers made. */
interface RoundState {
  candidates: Map<string, Versioned<Agent>>;
  offers: number;
}

/**
 * Whether a flight's slot claim held; then its offer is announced and its entry removed in the
 * background. Memoized: a flight settles once, whichever batch looks first.
 */
function settleFlight(flight: InFlight, state: RoundState, tidying: Tidying, deps: DistributionDeps): Promise<boolean> {
  return (flight.settled ??= flight.slot.then((slot) => {
    if (!slot) {
      // The agent changed since the candidates were read; the caller puts the task back.
      state.candidates.delete(flight.claimed.offer.agentId);
      return false;
    }
    state.candidates.set(slot.value.id, slot);
    state.offers++;
    tidying.add(flight.head, announce(flight.claimed.task, flight.claimed.offer, deps).then(() => removeEntry(flight.head, deps)));
    return true;
  }));
}

/** Settles a flight, and withdraws its offer when the slot claim failed; false then (its task went back to its place). */
async function landFlight(flight: InFlight, state: RoundState, tidying: Tidying, deps: DistributionDeps): Promise<boolean> {
  if (await settleFlight(flight, state, tidying, deps)) return true;
  await withdrawFlight(flight, deps);
  return false;
}

/** Takes back a flight's offer whose slot claim failed; the agent may hold the slot, had it landed too late. */
function withdrawFlight(flight: InFlight, deps: DistributionDeps): Promise<void> {
  return takeBack(flight.claimed.task.id, flight.claimed.offer, deps);
}

interface BatchOutcome {
  /** No agent can take the head of the queue: the round is over until something changes. */
  stop: boolean;
  /** The next batch's entries, read while the last task was claimed, when every task was served. */
  next?: Promise<readonly Versioned<QueueEntry>[]>;
  /** The last task's slot claim, still under way: the next batch settles it while claiming its first task. */
  carried?: InFlight;
}

/** A claimed task whose agent's slot is being claimed while the next task is decided and claimed. */
interface InFlight {
  readonly head: Versioned<QueueEntry>;
  readonly claimed: { task: Task; offer: Offer };
  readonly slot: Promise<Versioned<Agent> | undefined>;
  settled?: Promise<boolean>;
}

async function serveBatch(
  service: Service,
  heads: readonly Versioned<QueueEntry>[],
  state: RoundState,
  deps: DistributionDeps,
  tidying: Tidying,
  readNext: (claiming: readonly string[]) => Promise<readonly Versioned<QueueEntry>[]>,
  carried: InFlight | undefined,
): Promise<BatchOutcome> {
  const candidates = state.candidates;
  let stop = false;
  let inFlight = carried;
  let next: Promise<readonly Versioned<QueueEntry>[]> | undefined;
  const settle = (flight: InFlight): Promise<boolean> => settleFlight(flight, state, tidying, deps);
  /** Settles the claim under way (withdrawn when it failed); false when its task went back to its place. */
  const land = async (): Promise<boolean> => {
    const flight = inFlight;
    inFlight = undefined;
    return !flight || landFlight(flight, state, tidying, deps);
  };

  /**
   * Decides who gets the task (its id, who refused it and how many offers it had, from its entry or
   * from the task as read) and claims it with `claim`, while the previous task's slot claim
   * finishes; then claims the chosen agent's slot in the background. 'changed': the task was not
   * as `claim` expected, nothing was claimed for it. 'stop': nobody can take it. 'end': the batch
   * ends (a claim failed and its task went back to its place).
   */
  const decideAndClaim = async (
    head: Versioned<QueueEntry>,
    task: { id: string; refusedBy: readonly string[]; rangOutBy?: readonly string[] | undefined; offerCount: number },
    claim: (offer: Offer) => Promise<Task | undefined>,
  ): Promise<'claimed' | 'changed' | 'stop' | 'end'> => {
    const now = deps.clock.now();
    // As a fresh read of the candidates would: only agents with a free slot (the round's own claims
    // fill some), so the routing log does not list agents the snapshot has since filled.
    const agents = [...candidates.values()].map((c) => c.value).filter((agent) => freeSlots(agent) > 0);
    // Prefer agents who have not refused this task; if only they can take it, offer it to them again.
    const decision = chooseAgent(service, task, agents, now) ?? offeredAgain(chooseAgent(service, { id: task.id, refusedBy: [] }, agents, now), task);
    if (!decision) return 'stop';
    const offer = newOffer(service, task.id, task.offerCount, decision, now);
    // The task's claim (with the offer's ring-out timer) goes out while the previous task's slot
    // claim is under way. The slot is only claimed once the previous one held, so an agent never
    // holds an offer for a later task while an earlier one goes back to its place. When the previous
    // slot failed, both go back, this one first: while this task was claimed the previous one was
    // still claimed, never passed over.
    const previous = inFlight;
    const [claimed, previousHeld] = await Promise.all([withRingOut(task.id, offer, claim(offer), deps), previous ? settle(previous) : true]);
    inFlight = undefined; // settled (had the claim failed, the finally below would settle it)
    if (previous && !previousHeld) {
      if (claimed) await withdrawOffer(claimed.id, offer.offerId, deps);
      await withdrawFlight(previous, deps);
      return 'end';
    }
    if (!claimed) return 'changed';
    const known = candidates.get(decision.chosenAgentId);
    const slot = claimSlot(claimed, offer, deps, known, { withdraw: false });
    // Awaited when the flight is settled, which may be a round trip later (after the read ahead):
    // a failure meanwhile fails the round then, and must not be an unhandled rejection before.
    slot.catch(() => undefined);
    inFlight = { head, claimed: { task: claimed, offer }, slot };
    // Until the claim answers, the next decision counts the slot as taken.
    const tentative = known && withOffer(known.value, claimed, offer, now.getTime());
    if (known && tentative) candidates.set(known.value.id, { value: tentative, etag: known.etag });
    return 'claimed';
  };

  /**
   * Reads the task of an entry that could not be claimed as the entry describes it and serves it as
   * it is now. 'skipped': the entry is being dropped (its task moved on) or the half-done claim of a
   * crashed round was finished; the batch goes on with the next entry.
   */
  const serveAsRead = async (head: Versioned<QueueEntry>): Promise<'claimed' | 'skipped' | 'stop' | 'end'> => {
    const current = await deps.tasks.read(head.value.taskId);
    const task = current?.value;
    if (!current || !task || task.serviceId !== service.id || (task.state !== 'queued' && task.state !== 'offered')) {
      // The entry outlived its task (cancelled, transferred, finished): drop it.
      tidying.add(head, removeEntry(head, deps));
      return 'skipped';
    }
    if (task.state === 'queued') {
      const step = await decideAndClaim(head, { id: task.id, refusedBy: refusedBy(task), rangOutBy: rangOutBy(task), offerCount: task.offers.length }, (offer) => claimAsRead(current, offer, deps));
      return step === 'changed' ? 'end' : step; // changed under us again: read the queue again
    }
    if (!(await land())) return 'end';
    // A round crashed after claiming the task: finish what it started before going on. An offer
    // whose ring-out time has passed meanwhile, and whose timer has not rung it out yet, is withdrawn
    // instead (the agent may never have been told of it, so it must not ring out into RONA), as is
    // one too near its ring-out time for a slot; the task is back at its place, so the batch ends.
    const offer = openOffer(task);
    if (offer && tooLateForSlot(offer, deps.clock.now().getTime())) {
      await takeBack(task.id, offer, deps);
      return 'end';
    }
    if (offer) {
      const slot = await completeClaim(task, offer, deps, candidates.get(offer.agentId));
      if (!slot) return 'end';
      // The later tasks of the batch are decided knowing the agent holds this offer, as after a claim of this round.
      candidates.set(slot.value.id, slot);
    }
    tidying.add(head, removeEntry(head, deps));
    return 'skipped';
  };

  /** Whether the last slot claim goes on into the next batch, which settles it while claiming its first task. */
  let carry = false;
  try {
    let served = true;
    for (const [index, head] of heads.entries()) {
      const entry = head.value;
      if (index === heads.length - 1) {
        // The next batch's entries are read while the last task is claimed, passing over it and the
        // task whose slot is being claimed. They are used only if this batch is served to its end.
        next = readNext([head.etag, ...(inFlight ? [inFlight.head.etag] : [])]);
        next.catch(() => undefined); // one that is not used must not fail unobserved
      }
      // From the entry, conditional on the task being as it was queued. When the task changed since,
      // or nobody can take it as the entry describes it, it is read and served as it is now: so a
      // task a crashed round left half claimed at the head is finished even when every slot is taken.
      const fromEntry = await decideAndClaim(head, { id: entry.taskId, refusedBy: entry.refusedBy, rangOutBy: entry.rangOutBy, offerCount: entry.offerCount }, (offer) => claimQueued(entry, offer, deps));
      const step = fromEntry === 'changed' || fromEntry === 'stop' ? await serveAsRead(head) : fromEntry;
      if (step === 'claimed' || step === 'skipped') continue;
      stop = step === 'stop';
      served = false;
      break;
    }
    if (!served) next = undefined;
    carry = next !== undefined;
  } finally {
    // Unless it goes on into the next batch, the claim under way is settled (and announced when it
    // held). A last slot claim that failed put its task back: the round must look at the queue again.
    if (!carry && !(await land())) {
      stop = false;
      next = undefined;
    }
  }
  return { stop, ...(next ? { next } : {}), ...(carry && inFlight ? { carried: inFlight } : {}) };
}

/** Removes a served entry from the queue, unless it was written again meanwhile. */
async function removeEntry(head: Versioned<QueueEntry>, deps: DistributionDeps): Promise<void> {
  try {
    await deps.queue.remove(head.value.serviceId, head.value.taskId, head.etag);
  } catch (err) {
    // The entry was re-written meanwhile (the task was re-queued): it is current, keep it.
    if (!(err instanceof PreconditionFailedError)) throw err;
  }
}
