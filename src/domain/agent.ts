// An agent: who they are, where they work, and how many chats they can take now.
import type { NotAvailableRequest } from './notAvailable';

export type Presence = 'available' | 'busy' | 'away' | 'offline';

/** Responsibility profiles every agent has; custom ones are declared per agent. */
export const builtInProfiles: readonly ResponsibilityProfile[] = [
  { name: 'Duty', onDuty: true },
  { name: 'Off Duty', onDuty: false },
];

export interface ResponsibilityProfile {
  readonly name: string;
  /** Whether an agent in this profile receives the service's tasks. */
  readonly onDuty: boolean;
}

export interface Membership {
  readonly serviceId: string;
  readonly profile: string;
  /** With the priority policy: higher is offered first. */
  readonly priority: number;
}

export interface AgentOffer {
  readonly offerId: string;
  readonly taskId: string;
  readonly serviceId: string;
  readonly offeredAt: string;
  /** When the offer rings out (absent on offers held before it was kept). */
  readonly expiresAt?: string;
}

export interface AgentTask {
  readonly taskId: string;
  readonly serviceId: string;
  readonly since: string;
  readonly phase: 'connected' | 'wrap-up';
  /** The offer the agent accepted (absent on chats accepted before it was kept). */
  readonly offerId?: string;
  /** The After Call Work, in seconds, that offer gives the chat (absent on chats accepted before it was kept). */
  readonly acwSeconds?: number;
}

export interface Agent {
  readonly id: string;
  readonly displayName: string;
  readonly email: string;
  readonly imLicensed: boolean;
  readonly skills: Readonly<Record<string, number>>;
  readonly profiles: readonly ResponsibilityProfile[];
  readonly memberships: readonly Membership[];
  readonly imCapacity: number;
  /** The not-available reasons an admin assigned the agent, to fill their not-available requests with. */
  readonly notAvailableReasons: readonly string[];
  readonly presence: Presence;
  /** Requests for a not-available reason, most recent first (notAvailable.ts). */
  readonly notAvailableRequests: readonly NotAvailableRequest[];
  readonly offers: readonly AgentOffer[];
  readonly tasks: readonly AgentTask[];
  /** Set when an offer rang out: the agent gets nothing until they set themselves available. */
  readonly rona: { readonly since: string; readonly taskId: string } | null;
  readonly lastOfferAt: string | null;
  /** Since when the agent has had nothing to do: last task finished or became available. */
  readonly idleSince: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function profileOf(agent: Agent, name: string): ResponsibilityProfile | undefined {
  // Asked for every candidate of every decision: searched in place, not in a new array each time.
  return builtInProfiles.find((p) => p.name === name) ?? agent.profiles.find((p) => p.name === name);
}

export function membershipOf(agent: Agent, serviceId: string): Membership | undefined {
  return agent.memberships.find((m) => m.serviceId === serviceId);
}

/** Chats the agent holds now: open offers plus connected and wrap-up tasks (chat is non-blocking). */
export function load(agent: Agent): number {
  return agent.offers.length + agent.tasks.length;
}

export function freeSlots(agent: Agent): number {
  return Math.max(0, agent.imCapacity - load(agent));
}

/**
 * The offers to recall from the agent, who may no longer hold them: those of services they can no
 * longer take chats of (licence taken away, membership removed, off duty there), then, while they
 * hold more chats and offers than their capacity (cut by an admin), the newest of the rest.
 * Presence is not looked at: going not available recalls every offer anyway.
 */
export function offersToRecall(agent: Agent): readonly AgentOffer[] {
  const canTake = (serviceId: string): boolean => {
    const membership = membershipOf(agent, serviceId);
    return agent.imLicensed && membership !== undefined && profileOf(agent, membership.profile)?.onDuty === true;
  };
  const lost = agent.offers.filter((o) => !canTake(o.serviceId));
  const kept = agent.offers.filter((o) => canTake(o.serviceId));
  const surplus = Math.max(0, kept.length + agent.tasks.length - agent.imCapacity);
  // An agent's offers are kept in the order they were made (each slot is appended).
  const newestFirst = [...kept].reverse();
  return [...lost, ...newestFirst.slice(0, surplus)];
}

export type IneligibleReason = 'not-licensed' | 'not-member' | 'off-duty' | 'not-available' | 'rona' | 'at-capacity' | 'missing-skill' | 'skill-below-minimum';

/**
 * The agent's level in the skill, or undefined when they do not have it. Names match ignoring case
 * ("French" is "french"; an agent holds no two that differ only so). Only the agent's own skills
 * count: a skill named like an inherited property ("constructor", "toString") is not theirs unless
 * they were given it.
 */
export function skillLevel(agent: Agent, skill: string): number | undefined {
  if (Object.hasOwn(agent.skills, skill)) return agent.skills[skill];
  const wanted = skill.toLowerCase();
  for (const [name, level] of Object.entries(agent.skills)) if (name.toLowerCase() === wanted) return level;
  return undefined;
}

/** Why an agent cannot take a task of `serviceId` now, or undefined when they can. */
export function ineligibility(agent: Agent, serviceId: string, requiredSkills: readonly { skill: string; minLevel: number }[] = []): IneligibleReason | undefined {
  if (!agent.imLicensed) return 'not-licensed';
  const membership = membershipOf(agent, serviceId);
  if (!membership) return 'not-member';
  if (!profileOf(agent, membership.profile)?.onDuty) return 'off-duty';
  if (agent.presence !== 'available') return 'not-available';
  if (agent.rona) return 'rona';
  if (freeSlots(agent) === 0) return 'at-capacity';
  // Without the skill at all, or with it below the level the service asks for: the routing log says which.
  if (requiredSkills.some((r) => skillLevel(agent, r.skill) === undefined)) return 'missing-skill';
  if (requiredSkills.some((r) => (skillLevel(agent, r.skill) ?? 0) < r.minLevel)) return 'skill-below-minimum';
  return undefined;
}
