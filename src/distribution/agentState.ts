// An agent's presence (with their not-available requests) and duty profile per service. Every change
// that can make the agent a match asks the services concerned for a distribution round; going
// busy, away or offline recalls the offers ringing for the agent, and going off duty in a service
// those they may no longer hold (offersToRecall).
import { randomUUID } from 'node:crypto';
import { membershipOf, offersToRecall, profileOf, type Agent, type Presence } from '../domain/agent';
import { afterPresenceChange, assignedReason, fillRequest, type NotAvailableRequest } from '../domain/notAvailable';
import { DomainError } from '../domain/errors';
import { recallWhile } from './offerDecisions';
import { update } from './optimistic';
import type { DistributionDeps } from './ports';

const agentMissing = (agentId: string) => ({ code: 'AGENT.NOT_FOUND' as const, message: `agent ${agentId} not found` });

async function requestForDutyServices(agent: Agent, deps: DistributionDeps, reason: string): Promise<void> {
  for (const membership of agent.memberships) {
    if (profileOf(agent, membership.profile)?.onDuty) await deps.signal.requestDistribution(membership.serviceId, reason);
  }
}

export interface PresenceChange {
  readonly presence: Presence;
  /** Why the agent is not available (busy, away or offline): one of their assigned reasons. */
  readonly reason?: string;
  /** When the not-available request closes by itself; at most a week from now. */
  readonly until?: Date;
}

export async function setPresence(agentId: string, change: PresenceChange, deps: DistributionDeps): Promise<Agent> {
  const now = deps.clock.now();
  const requestId = randomUUID();
  const { after } = await update(
    deps.agents,
    agentId,
    (agent): Agent => {
      const reason = change.reason === undefined ? undefined : assignedReason(agent.notAvailableReasons, change.reason, '/reason');
      const notAvailableRequests = afterPresenceChange(agent.notAvailableRequests, { from: agent.presence, to: change.presence, now, id: requestId, reason, until: change.until });
      if (change.presence === 'available') {
        // Setting oneself available also ends a RONA state; open not-available requests stay to be filled.
        const idle = agent.presence !== 'available' && agent.tasks.length === 0 && agent.offers.length === 0;
        return { ...agent, presence: 'available', rona: null, notAvailableRequests, idleSince: idle ? now.toISOString() : agent.idleSince, updatedAt: now.toISOString() };
      }
      return { ...agent, presence: change.presence, notAvailableRequests, updatedAt: now.toISOString() };
    },
    agentMissing(agentId),
  );
  // Asked for on every call that leaves the agent available, also when they were already: a retry of
  // a call whose request for a round was lost (a crash after the write, or the send failing) must
  // still ask for it. A round with nothing to do costs little.
  if (after.value.presence === 'available') {
    await requestForDutyServices(after.value, deps, 'agent available');
    return after.value;
  }
  // Not available any more: the offers ringing for them are recalled (also on a retry, from what the
  // agent still holds), and the agent as they are then is answered.
  return recallWhile(after.value, (agent) => (agent.presence === 'available' ? [] : agent.offers), deps);
}

export async function setDutyProfile(agentId: string, serviceId: string, profile: string, deps: DistributionDeps): Promise<Agent> {
  const now = deps.clock.now().toISOString();
  const { after } = await update(
    deps.agents,
    agentId,
    (agent) => {
      const membership = membershipOf(agent, serviceId);
      if (!membership) throw new DomainError('AGENT.NOT_MEMBER', `agent ${agentId} is not a member of service ${serviceId}`, { agentId, serviceId });
      if (!profileOf(agent, profile)) throw new DomainError('AGENT.UNKNOWN_PROFILE', `agent ${agentId} has no responsibility profile "${profile}"`, { agentId, profile });
      if (membership.profile === profile) return undefined;
      return { ...agent, memberships: agent.memberships.map((m) => (m.serviceId === serviceId ? { ...m, profile } : m)), updatedAt: now };
    },
    agentMissing(agentId),
  );
  if (profileOf(after.value, profile)?.onDuty) {
    await deps.signal.requestDistribution(serviceId, 'agent on duty');
    return after.value;
  }
  // Off duty there now: the offers ringing for them that they may no longer hold are recalled.
  return recallWhile(after.value, offersToRecall, deps);
}

/**
 * Fills one of the agent's open not-available requests with one of their assigned reasons (again,
 * to correct it, while it is open). Answers the request as filled. A closed, unknown or unassigned
 * one is refused (fillRequest, assignedReason) even when the same reason is given again.
 */
export async function fillNotAvailableRequest(agentId: string, requestId: string, reason: string, deps: DistributionDeps): Promise<NotAvailableRequest> {
  const now = deps.clock.now();
  const { after } = await update(
    deps.agents,
    agentId,
    (agent): Agent | undefined => {
      const given = assignedReason(agent.notAvailableReasons, reason, '/reason');
      const notAvailableRequests = fillRequest(agent.notAvailableRequests, requestId, given, now);
      // Filled with that reason already (a retry): nothing to write, so nobody's ETag moves for it.
      if (agent.notAvailableRequests.find((r) => r.id === requestId)?.reason === given) return undefined;
      return { ...agent, notAvailableRequests, updatedAt: now.toISOString() };
    },
    agentMissing(agentId),
  );
  const filled = after.value.notAvailableRequests.find((r) => r.id === requestId);
  if (!filled) throw new Error(`not-available request ${requestId} vanished from agent ${agentId} as it was filled`);
  return filled;
}
