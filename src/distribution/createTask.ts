// A task enters a service: straight into its queue (the external task API), or into its workflow
// (chats), which queues it later with queueTask.
import { createHash, randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors';
import { enqueueOrderKey } from '../domain/queueOrder';
import { beingDeletedError, isBeingDeleted, queueFullError, type Service } from '../domain/service';
import type { Task } from '../domain/task';
import { cancelTask } from './cancelTask';
import { queueEntry, requeue } from './requeue';
import { AlreadyExistsError, type DistributionDeps, type Versioned } from './ports';

export interface NewTask {
  readonly serviceId: string;
  readonly channel: string;
  readonly priority?: number;
  readonly parameters?: Readonly<Record<string, string>>;
  /** A client's idempotency key: the same key always yields the same task. */
  readonly idempotencyKey?: string;
  /**
   * 'queued' (the default): into the queue, and a distribution round is asked for. 'in-workflow':
   * no queue entry and no round; the task's workflow decides when it is queued (queueTask).
   */
  readonly initialState?: 'queued' | 'in-workflow';
}

/**
 * What a keyed create request asks for, its priority as applied (`priority`: the request's, else the
 * service's default), so that leaving it out and giving the default are the same request.
 */
function fingerprint(request: NewTask, priority: number | null): string {
  const asked = { channel: request.channel, priority, parameters: Object.entries(request.parameters ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)), initialState: request.initialState ?? 'queued' };
  return createHash('sha256').update(JSON.stringify(asked)).digest('base64url');
}

/** Whether a retry asks for what the keyed request that created `task` asked for. */
function sameRequest(task: Task, request: NewTask, service: Service | undefined): boolean {
  // Tasks created before fingerprints were kept have none: they are taken as the same request.
  if (task.requestFingerprint === undefined) return true;
  // Those stored before the priority was resolved hold the request's own (null when left out). A
  // retry that leaves it out asks for the default its first attempt was given: the task's priority
  // (unless changed since), or the service's default (unless the service changed it, or is gone).
  // (So it also matches a first attempt that named the priority its task was given.)
  const priorities = [request.priority ?? null, request.priority ?? task.priority, ...(service ? [request.priority ?? service.defaultPriority] : [])];
  return priorities.some((priority) => task.requestFingerprint === fingerprint(request, priority));
}

/**
 * How near its maximum a queue must be for a task put in it to count it again (racing creates may
 * have filled it meanwhile). Further below, more than this many would have to land between a
 * task's count and its write to take the queue over.
 */
export const recountWithin = 100;

function taskIdFor(request: NewTask): string {
  if (!request.idempotencyKey) return randomUUID();
  const hash = createHash('sha256').update(`${request.serviceId}\n${request.idempotencyKey}`).digest('hex');
  return `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-${hash.slice(20, 32)}`;
}

export async function createTask(request: NewTask, deps: DistributionDeps): Promise<{ task: Task; created: boolean }> {
  const id = taskIdFor(request);
  // Only a keyed request can be a retry of an earlier one; a fresh random id needs no look-up.
  const [stored, existing] = await Promise.all([deps.services.read(request.serviceId), request.idempotencyKey ? deps.tasks.read(id) : undefined]);
  const service = stored?.value;
  // A retry answers with what its first attempt created, whatever became of the service since.
  if (existing) return retried(existing, request, service, deps);
  if (!service) throw new DomainError('SERVICE.NOT_FOUND', `service ${request.serviceId} not found`, { serviceId: request.serviceId });
  if (!service.imEnabled) throw new DomainError('SERVICE.IM_DISABLED', `service ${service.id} does not take IM tasks`, { serviceId: service.id });
  if (isBeingDeleted(service, deps.clock.now())) throw beingDeletedError(service.id);
  const queued = (request.initialState ?? 'queued') === 'queued';
  // A task in its workflow is not waiting in the queue yet: the queue's limit applies when it is queued.
  const waiting = queued ? await deps.queue.length(service.id) : 0;
  if (queued && waiting >= service.maxQueueSize) throw queueFullError(service, waiting);
  const now = deps.clock.now();
  const at = now.toISOString();
  const task: Task = {
    id,
    serviceId: service.id,
    channel: request.channel,
    state: queued ? 'queued' : 'in-workflow',
    priority: request.priority ?? service.defaultPriority,
    enqueueOrder: enqueueOrderKey(now, id),
    parameters: request.parameters ?? {},
    offers: [],
    assignedAgentId: null,
    codes: [],
    tags: [],
    acw: null,
    callFlow: [{ serviceId: service.id, enteredAt: at, leftAt: null, reason: 'created' }],
    timings: { createdAt: at, queuedAt: queued ? at : null, firstOfferedAt: null, connectedAt: null, wrapUpAt: null, endedAt: null },
    outcome: null,
    ...(request.idempotencyKey ? { requestFingerprint: fingerprint(request, request.priority ?? service.defaultPriority) } : {}),
  };
  let written: Versioned<Task>;
  try {
    written = await deps.tasks.create(task);
  } catch (err) {
    if (err instanceof AlreadyExistsError) return createTask(request, deps);
    throw err;
  }
  if (queued) {
    // Its first entry: no put from an older read of a task just created can race it, so no check.
    await deps.queue.put(queueEntry(written, now));
    if (waiting >= service.maxQueueSize - recountWithin) await refuseIfOverfull(task, service, deps);
    await deps.signal.requestDistribution(service.id, 'task queued');
  }
  // After the round is asked for, so the look costs a task's way to an agent nothing.
  await undoIfServiceGoing(task, deps);
  return { task, created: true };
}

/** The outcomes of tasks cancelled because their create was refused after they were written. */
const refusals = { queueFull: 'refused: the queue was full', serviceGoing: 'refused: its service was being deleted' } as const;

/**
 * A keyed request refused after its task was written (and cancelled) is refused again the same way
 * when sent again, as it was the first time. (One refused before anything was written is decided
 * afresh when sent again, as a new request.)
 */
function refusedAgain(task: Task, service: Service | undefined): DomainError | undefined {
  if (task.state !== 'cancelled') return undefined;
  const again = `task ${task.id}, which this Idempotency-Key created, was refused`;
  if (task.outcome === refusals.queueFull) {
    return new DomainError('QUEUE.FULL', `${again}: service ${task.serviceId}'s queue was full; send a new key to try again`, { serviceId: task.serviceId, taskId: task.id, ...(service ? { maxQueueSize: service.maxQueueSize } : {}) });
  }
  if (task.outcome === refusals.serviceGoing) {
    const details = { serviceId: task.serviceId, taskId: task.id };
    return service
      ? new DomainError('SERVICE.BEING_DELETED', `${again}: service ${task.serviceId} was being deleted; if its delete is refused, send a new key to try again`, details)
      : new DomainError('SERVICE.NOT_FOUND', `${again}: service ${task.serviceId} was being deleted, and is gone`, details);
  }
  return undefined;
}

/** A keyed request sent again: the task its first attempt created, with what that attempt may have left undone finished. */
async function retried(existing: Versioned<Task>, request: NewTask, service: Service | undefined, deps: DistributionDeps): Promise<{ task: Task; created: boolean }> {
  if (!sameRequest(existing.value, request, service)) {
    throw new DomainError('IDEMPOTENCY.KEY_REUSED', `Idempotency-Key "${request.idempotencyKey ?? ''}" was used for another request (task ${existing.value.id}); use a new key for a new task`, { taskId: existing.value.id });
  }
  const refusal = refusedAgain(existing.value, service);
  if (refusal) throw refusal;
  // Its round asked for too: the first attempt may have died before.
  if (existing.value.state === 'queued' && service) {
    await requeue(existing, deps);
    await deps.signal.requestDistribution(service.id, 'task queued');
  }
  return { task: existing.value, created: false };
}

/**
 * The queue counted again once the task is in it: creates that counted it at the same time may
 * together have taken it past its maximum. Of any set of them, the one written last counts them
 * all, so it is refused (its task cancelled), and the queue never ends up over its maximum. Tasks
 * that arrive together may all be refused where some would have fitted. A task offered meanwhile is kept.
 */
async function refuseIfOverfull(task: Task, service: Service, deps: DistributionDeps): Promise<void> {
  const waiting = await deps.queue.length(service.id);
  if (waiting <= service.maxQueueSize) return;
  const now = (await deps.tasks.read(task.id))?.value;
  if (now?.state !== 'queued') return;
  await cancelTask(task.id, refusals.queueFull, deps);
  throw queueFullError(service, service.maxQueueSize);
}

/**
 * A task written while its service's delete was checking that nothing refers to it: the delete
 * either saw the task (and was refused) or marked the service before the task was written, which
 * this second look sees. Then the task is cancelled, so it is not left in a service that is gone.
 */
async function undoIfServiceGoing(task: Task, deps: DistributionDeps): Promise<void> {
  const service = (await deps.services.read(task.serviceId))?.value;
  if (service && !isBeingDeleted(service, deps.clock.now())) return;
  await cancelTask(task.id, refusals.serviceGoing, deps);
  throw service ? beingDeletedError(task.serviceId) : new DomainError('SERVICE.NOT_FOUND', `service ${task.serviceId} not found`, { serviceId: task.serviceId });
}
