// A service: a queue of IM tasks with its distribution settings.
import { DomainError } from './errors';

export type DistributionPolicy = 'longest-idle' | 'round-robin' | 'skills' | 'priority';

export interface SkillRequirement {
  readonly skill: string;
  readonly minLevel: number;
}

export interface AfterCallWork {
  readonly durationSeconds: number;
  /** Agents may extend ACW, each time by up to `maxExtensionSeconds`. */
  readonly extendable: boolean;
  readonly maxExtensionSeconds: number;
  /** Agents may end ACW before it runs out. */
  readonly canEndEarly: boolean;
}

export interface Service {
  readonly id: string;
  readonly name: string;
  /** The address customers reach the service at (e.g. support@contoso.example). */
  readonly address: string;
  readonly imEnabled: boolean;
  readonly distribution: {
    readonly policy: DistributionPolicy;
    /** With the skills policy: agents need every skill at or above its level. */
    readonly requiredSkills: readonly SkillRequirement[];
    readonly ronaTimeoutSeconds: number;
  };
  readonly afterCallWork: AfterCallWork;
  readonly maxQueueSize: number;
  readonly defaultPriority: number;
  /** The IM workflow new chats run (its current version at chat start); null: chats go straight to the queue. */
  readonly workflowId: string | null;
  /**
   * Website origins allowed to start chats with this service (`https://shop.contoso.example`, or
   * `https://*.contoso.example` for any subdomain); empty: no website may.
   */
  readonly allowedOrigins: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  /**
   * Set while a delete checks that nothing refers to the service (isBeingDeleted): writes that would
   * refer to it (a new task, a membership) are refused meanwhile, and undone when they raced the check.
   */
  readonly deletingSince?: string;
}

/** A delete's mark lapses after this long, so a delete that died halfway does not block the service. */
export const deleteMarkLapsesAfterMs = 60_000;

/** Whether a delete of the service is under way (its mark set within deleteMarkLapsesAfterMs). */
export function isBeingDeleted(service: Service, now: Date): boolean {
  if (service.deletingSince === undefined) return false;
  const age = now.getTime() - Date.parse(service.deletingSince);
  return age < deleteMarkLapsesAfterMs;
}

/** The refusal of a task for a queue at its maximum (`waiting`: how many wait in it). */
export function queueFullError(service: Pick<Service, 'id' | 'maxQueueSize'>, waiting: number): DomainError {
  return new DomainError('QUEUE.FULL', `service ${service.id} has ${waiting} tasks waiting, its maximum`, { serviceId: service.id, maxQueueSize: service.maxQueueSize });
}

/** The refusal of a write that would refer to a service whose delete is under way. */
export function beingDeletedError(serviceId: string, pointer?: string): DomainError {
  return new DomainError('SERVICE.BEING_DELETED', `service ${serviceId} is being deleted; if its delete is refused, try again`, { serviceId, ...(pointer ? { pointer } : {}) });
}
