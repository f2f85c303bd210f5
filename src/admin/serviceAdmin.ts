// Admin use cases for services: create, read, list, replace under an ETag, delete once nothing refers to it.
import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors';
import { beingDeletedError, isBeingDeleted, type Service } from '../domain/service';
import { AlreadyExistsError, PreconditionFailedError, type DistributionDeps, type Page, type Versioned } from '../distribution/ports';
import type { WorkflowStore } from '../workflow/ports';
import type { EtagCondition } from './etagCondition';

export type ServiceAdminDeps = Pick<DistributionDeps, 'services' | 'tasks' | 'directory' | 'signal' | 'clock'> & { readonly workflows: Pick<WorkflowStore, 'readHead' | 'transferringTo'> };

/** What an admin owns on a service; the server owns the id (once created) and the timestamps. */
export type ServiceSettings = Omit<Service, 'id' | 'createdAt' | 'updatedAt' | 'deletingSince'>;

function notFound(id: string): DomainError {
  return new DomainError('SERVICE.NOT_FOUND', `service ${id} not found`, { serviceId: id });
}

function stale(id: string, condition: EtagCondition): DomainError {
  return new DomainError('CONFLICT.STALE_ETAG', `service ${id} changed since you read it (If-Match ${condition.describe}): read it again`, { serviceId: id });
}

/** A service can only be given a workflow that exists (every stored workflow is a valid IM workflow). */
async function assertWorkflowExists(deps: ServiceAdminDeps, settings: ServiceSettings): Promise<void> {
  if (settings.workflowId === null || (await deps.workflows.readHead(settings.workflowId))) return;
  throw new DomainError('SERVICE.UNKNOWN_WORKFLOW', `workflow "${settings.workflowId}" does not exist: create it first (POST /api/workflows)`, { pointer: '/workflowId', workflowId: settings.workflowId });
}

export async function createService(deps: ServiceAdminDeps, settings: ServiceSettings, id: string = randomUUID()): Promise<Versioned<Service>> {
  await assertWorkflowExists(deps, settings);
  const now = deps.clock.now().toISOString();
  try {
    return await deps.services.create({ id, ...settings, createdAt: now, updatedAt: now });
  } catch (err) {
    if (err instanceof AlreadyExistsError) throw new DomainError('CONFLICT.EXISTS', `a service with id ${id} exists`, { serviceId: id });
    throw err;
  }
}

/** The service as admins see it: a delete's mark only while that delete can still be under way (a lapsed one is left out). */
function asAdminSees(stored: Versioned<Service>, now: Date): Versioned<Service> {
  if (stored.value.deletingSince === undefined || isBeingDeleted(stored.value, now)) return stored;
  const { deletingSince: _lapsed, ...service } = stored.value;
  return { value: service, etag: stored.etag };
}

export async function getService(deps: ServiceAdminDeps, id: string): Promise<Versioned<Service>> {
  const stored = await deps.services.read(id);
  if (!stored) throw notFound(id);
  return asAdminSees(stored, deps.clock.now());
}

export async function listServices(deps: ServiceAdminDeps, pageSize: number, continuationToken?: string): Promise<Page<Service>> {
  const page = await deps.services.list(pageSize, continuationToken);
  const now = deps.clock.now();
  return { ...page, items: page.items.map((item) => asAdminSees(item, now)) };
}

/** Whether a change can create a match that was not there before, so the distributor should look again. */
function canCreateMatch(before: Service, after: Service): boolean {
  return (after.imEnabled && !before.imEnabled) || JSON.stringify(before.distribution) !== JSON.stringify(after.distribution) || after.maxQueueSize !== before.maxQueueSize;
}

/** Replaces the admin-owned settings; `condition` comes from If-Match and must name the current version. */
export async function replaceService(deps: ServiceAdminDeps, id: string, settings: ServiceSettings, condition: EtagCondition): Promise<Versioned<Service>> {
  const current = await deps.services.read(id);
  if (!current) throw notFound(id);
  if (!condition.matches(current.etag)) throw stale(id, condition);
  if (isBeingDeleted(current.value, deps.clock.now())) throw beingDeletedError(id);
  await assertWorkflowExists(deps, settings);
  const next: Service = { id, ...settings, createdAt: current.value.createdAt, updatedAt: deps.clock.now().toISOString() };
  // Conditional on the version the caller saw: a write in between answers 412, not a lost update.
  const written = await deps.services.replace(next, current.etag);
  if (canCreateMatch(current.value, next)) await deps.signal.requestDistribution(id, 'service settings changed');
  return written;
}

/** How many ids a refused delete names; the answer says when there are more. */
const namedAtMost = 10;

function listIds(ids: readonly string[]): string {
  return ids.length > namedAtMost ? `${ids.slice(0, namedAtMost).join(', ')} and more` : ids.join(', ');
}

/**
 * Refuses to delete a service that something still refers to: its tasks that are not over (waiting,
 * in its workflow, offered, in a chat or in After Call Work), its member agents, and workflows that
 * transfer to it. Deleting it under them would leave a task re-queued into a service that no longer
 * exists, agents whose membership names nothing (and joins whatever takes the id next), and a
 * Transfer that fails when a chat reaches it.
 */
async function assertUnused(deps: ServiceAdminDeps, id: string): Promise<void> {
  // Waiting tasks are among the tasks not over: the queue need not be counted as well.
  const [tasks, agents, workflows] = await Promise.all([deps.tasks.openIn(id, namedAtMost + 1), deps.directory.members(id, namedAtMost + 1), deps.workflows.transferringTo(id)]);
  if (tasks.length > 0) {
    throw new DomainError('SERVICE.HAS_TASKS', `service ${id} has tasks that are not over (${listIds(tasks)}): cancel, transfer or finish them first`, { serviceId: id, taskIds: tasks.slice(0, namedAtMost) });
  }
  if (agents.length > 0) {
    throw new DomainError('SERVICE.IN_USE', `service ${id} has member agents (${listIds(agents)}): remove their memberships first`, { serviceId: id, agentIds: agents.slice(0, namedAtMost) });
  }
  if (workflows.length > 0) {
    throw new DomainError('SERVICE.IN_USE', `workflow${workflows.length > 1 ? 's' : ''} ${listIds(workflows)} transfer${workflows.length > 1 ? '' : 's'} to service ${id}: change them first`, { serviceId: id, workflowIds: workflows.slice(0, namedAtMost) });
  }
}

/**
 * Deletes the service once nothing refers to it (assertUnused); `condition` (If-Match) is optional here.
 *
 * A check alone cannot see a task or membership written just after it. So a delete that passes the
 * check marks the service as being deleted, checks again and only then deletes, conditional on the
 * mark: a write that would refer to the service refuses a marked one, and one that raced the mark
 * looks again after it wrote and undoes itself (createTask, replaceAgent). Either the second check
 * sees the write (the delete is refused and the mark taken off) or the write sees the mark. A delete
 * refused by the first check writes nothing.
 */
export async function deleteService(deps: ServiceAdminDeps, id: string, condition?: EtagCondition): Promise<void> {
  const current = await deps.services.read(id);
  if (!current) throw notFound(id);
  if (condition && !condition.matches(current.etag)) throw stale(id, condition);
  const now = deps.clock.now();
  if (isBeingDeleted(current.value, now)) throw beingDeletedError(id);
  await assertUnused(deps, id);
  let marked: Versioned<Service>;
  try {
    marked = await deps.services.replace({ ...current.value, deletingSince: now.toISOString() }, current.etag);
  } catch (err) {
    if (err instanceof PreconditionFailedError) throw changedMeanwhile(id);
    throw err;
  }
  try {
    await assertUnused(deps, id);
  } catch (err) {
    await unmark(deps, marked);
    throw err;
  }
  try {
    if (!(await deps.services.delete(id, marked.etag))) throw notFound(id);
  } catch (err) {
    if (err instanceof PreconditionFailedError) throw changedMeanwhile(id);
    throw err;
  }
}

function changedMeanwhile(id: string): DomainError {
  return new DomainError('CONFLICT.STALE_ETAG', `service ${id} changed while it was being deleted: read it again`, { serviceId: id });
}

/** Takes a refused delete's mark off; if the service changed meanwhile the mark went with that change (or lapses). */
async function unmark(deps: ServiceAdminDeps, marked: Versioned<Service>): Promise<void> {
  const { deletingSince: _mark, ...service } = marked.value;
  try {
    await deps.services.replace(service, marked.etag);
  } catch (err) {
    if (!(err instanceof PreconditionFailedError)) throw err;
  }
}
