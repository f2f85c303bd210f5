// Admin use cases for agents. Admins own who an agent is and where they work; the live state
// (presence, offers, tasks, RONA, idle time) is the server's, kept as it is on every admin write.
// The ETag an admin sees versions the settings only: the agent's document also changes with every
// offer, accept and presence change, and an admin editing a busy agent would otherwise be refused
// (412) again and again for changes that are not theirs to merge.
import { createHash, randomUUID } from 'node:crypto';
import { load, offersToRecall, profileOf, type Agent } from '../domain/agent';
import { DomainError } from '../domain/errors';
import { beingDeletedError, isBeingDeleted } from '../domain/service';
import { recallWhile } from '../distribution/offerDecisions';
import { ContentionError } from '../distribution/optimistic';
import { AlreadyExistsError, PreconditionFailedError, type DistributionDeps, type Page, type Versioned } from '../distribution/ports';
import type { EtagCondition } from './etagCondition';

/** All of distribution's: an admin change that makes an agent ineligible recalls the offers ringing for them. */
export type AgentAdminDeps = DistributionDeps;

/** What an admin owns on an agent. */
export type AgentSettings = Pick<Agent, 'displayName' | 'email' | 'imLicensed' | 'skills' | 'profiles' | 'memberships' | 'imCapacity' | 'notAvailableReasons'>;

const maxDeleteAttempts = 10;
/** A replace that keeps losing its write to live-state changes gives up after this many tries. */
const maxReplaceAttempts = 10;

/** The admin-owned settings of a stored agent. */
export function settingsOf(agent: Agent): AgentSettings {
  const { displayName, email, imLicensed, skills, profiles, memberships, imCapacity, notAvailableReasons } = agent;
  return { displayName, email, imLicensed, skills, profiles, memberships, imCapacity, notAvailableReasons };
}

/** The ETag admins see: a digest of the settings (the same settings, the same ETag). */
export function settingsEtag(agent: Agent): string {
  return `"agent-${createHash('sha256').update(JSON.stringify(settingsOf(agent))).digest('base64url').slice(0, 22)}"`;
}

/** The agent as admins see it: versioned by its settings. */
function asAdminSees(stored: Versioned<Agent>): Versioned<Agent> {
  return { value: stored.value, etag: settingsEtag(stored.value) };
}

function notFound(id: string): DomainError {
  return new DomainError('AGENT.NOT_FOUND', `agent ${id} not found`, { agentId: id });
}

function stale(id: string, condition: EtagCondition): DomainError {
  return new DomainError('CONFLICT.STALE_ETAG', `agent ${id} changed since you read it (If-Match ${condition.describe}): read it again`, { agentId: id });
}

/** Refuses memberships of services that do not exist; `known` are kept as they are even if their service went since. */
async function checkServicesExist(deps: AgentAdminDeps, settings: AgentSettings, known: ReadonlySet<string>): Promise<void> {
  for (const [index, membership] of settings.memberships.entries()) {
    if (known.has(membership.serviceId)) continue;
    const service = await deps.services.read(membership.serviceId);
    if (!service) {
      throw new DomainError('AGENT.UNKNOWN_SERVICE', `service ${membership.serviceId} not found`, { serviceId: membership.serviceId, pointer: `/memberships/${index}/serviceId` });
    }
    if (isBeingDeleted(service.value, deps.clock.now())) throw beingDeletedError(membership.serviceId, `/memberships/${index}/serviceId`);
  }
}

/**
 * Of the memberships the agent gained, the first whose service went or is being deleted: a
 * membership written while a delete of its service was checking for members, which the delete did
 * not see (it marked the service first; see deleteService). The write is undone.
 */
async function membershipGoing(deps: AgentAdminDeps, agent: Agent, known: ReadonlySet<string>): Promise<DomainError | undefined> {
  for (const [index, membership] of agent.memberships.entries()) {
    if (known.has(membership.serviceId)) continue;
    const service = await deps.services.read(membership.serviceId);
    if (!service || isBeingDeleted(service.value, deps.clock.now())) return beingDeletedError(membership.serviceId, `/memberships/${index}/serviceId`);
  }
  return undefined;
}

export async function createAgent(deps: AgentAdminDeps, settings: AgentSettings, id: string = randomUUID()): Promise<Versioned<Agent>> {
  await checkServicesExist(deps, settings, new Set());
  const now = deps.clock.now().toISOString();
  // A new agent is signed out with nothing to do; they start getting tasks once they set themselves available.
  const agent: Agent = { id, ...settings, presence: 'offline', notAvailableRequests: [], offers: [], tasks: [], rona: null, lastOfferAt: null, idleSince: now, createdAt: now, updatedAt: now };
  let created: Versioned<Agent>;
  try {
    created = await deps.agents.create(agent);
  } catch (err) {
    if (err instanceof AlreadyExistsError) throw new DomainError('CONFLICT.EXISTS', `an agent with id ${id} exists`, { agentId: id });
    throw err;
  }
  const going = await membershipGoing(deps, created.value, new Set());
  if (going) {
    // Offline and new, so nothing of theirs can have changed: the delete is conditional all the same.
    await deps.agents.delete(id, created.etag);
    throw going;
  }
  return asAdminSees(created);
}

export async function getAgent(deps: AgentAdminDeps, id: string): Promise<Versioned<Agent>> {
  const stored = await deps.agents.read(id);
  if (!stored) throw notFound(id);
  return asAdminSees(stored);
}

export function listAgents(deps: AgentAdminDeps, pageSize: number, continuationToken?: string): Promise<Page<Agent>> {
  return deps.agents.list(pageSize, continuationToken);
}

function onDutyServices(agent: Agent): Set<string> {
  return new Set(agent.imLicensed ? agent.memberships.filter((m) => profileOf(agent, m.profile)?.onDuty).map((m) => m.serviceId) : []);
}

/**
 * The services whose distributor should look again after an admin change: those the agent newly
 * works in on duty, and all their on-duty services when they can take more or have new skills.
 * An agent who is not available cannot be matched, so nothing is asked for them.
 */
export function servicesToRedistribute(before: Agent, after: Agent): { serviceId: string; reason: string }[] {
  if (after.presence !== 'available') return [];
  const was = onDutyServices(before);
  const moreRoom = after.imCapacity > before.imCapacity;
  const newSkills = JSON.stringify(after.skills) !== JSON.stringify(before.skills);
  return [...onDutyServices(after)].flatMap((serviceId) => {
    if (!was.has(serviceId)) return [{ serviceId, reason: 'membership changed' }];
    if (moreRoom || newSkills) return [{ serviceId, reason: 'agent settings changed' }];
    return [];
  });
}

/**
 * Replaces the admin-owned settings under the caller's If-Match (the settings ETag they read),
 * keeping the live state as it is now: each write is conditional on the stored version it merged,
 * and one that lost to a live-state change (an offer, a presence change) is merged and written
 * again; only settings changed since the caller read them (another admin) answer 412.
 */
export async function replaceAgent(deps: AgentAdminDeps, id: string, settings: AgentSettings, condition: EtagCondition): Promise<Versioned<Agent>> {
  for (let attempt = 0; attempt < maxReplaceAttempts; attempt++) {
    const current = await deps.agents.read(id);
    if (!current) throw notFound(id);
    if (!condition.matches(settingsEtag(current.value))) throw stale(id, condition);
    await checkServicesExist(deps, settings, new Set(current.value.memberships.map((m) => m.serviceId)));
    const next: Agent = { ...current.value, ...settings, updatedAt: deps.clock.now().toISOString() };
    let written: Versioned<Agent>;
    try {
      written = await deps.agents.replace(next, current.etag);
    } catch (err) {
      if (err instanceof PreconditionFailedError) continue; // the live state moved: merge again
      throw err;
    }
    const going = await membershipGoing(deps, written.value, new Set(current.value.memberships.map((m) => m.serviceId)));
    if (going) {
      await restoreSettings(deps, id, settingsOf(current.value), written.value);
      throw going;
    }
    for (const { serviceId, reason } of servicesToRedistribute(current.value, written.value)) await deps.signal.requestDistribution(serviceId, reason);
    // Offers ringing for a service the agent may no longer take, or beyond a cut capacity, are recalled.
    const recalled = await recallWhile(written.value, offersToRecall, deps);
    if (recalled === written.value) return asAdminSees(written);
    return asAdminSees((await deps.agents.read(id)) ?? written);
  }
  throw new ContentionError(`agent ${id} kept changing under ${maxReplaceAttempts} attempts to replace its settings`);
}

/** Puts back the settings a refused replace wrote, unless another admin changed them since. */
async function restoreSettings(deps: AgentAdminDeps, id: string, settings: AgentSettings, written: Agent): Promise<void> {
  const writtenEtag = settingsEtag(written);
  try {
    await replaceAgent(deps, id, settings, { matches: (etag) => etag === writtenEtag, describe: writtenEtag });
  } catch (err) {
    if (!(err instanceof DomainError && err.code === 'CONFLICT.STALE_ETAG')) throw err;
  }
}

/** Deletes the agent unless they hold offers or tasks; `condition` (If-Match) is optional here. */
export async function deleteAgent(deps: AgentAdminDeps, id: string, condition?: EtagCondition): Promise<void> {
  for (let attempt = 0; attempt < maxDeleteAttempts; attempt++) {
    const current = await deps.agents.read(id);
    if (!current) throw notFound(id);
    if (condition && !condition.matches(settingsEtag(current.value))) throw stale(id, condition);
    const agent = current.value;
    if (load(agent) > 0) {
      throw new DomainError('AGENT.HAS_TASKS', `agent ${id} holds ${agent.offers.length} offers and ${agent.tasks.length} tasks: let them finish first`, { agentId: id, offers: agent.offers.length, tasks: agent.tasks.length });
    }
    try {
      // Conditional on the version just checked, so an offer claimed in between is never orphaned;
      // a live-state change in between is looked at again.
      if (!(await deps.agents.delete(id, current.etag))) throw notFound(id);
      return;
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
    }
  }
  throw new ContentionError(`agent ${id} kept changing under ${maxDeleteAttempts} delete attempts`);
}
