// Builders for services, agents and tasks in distribution tests.
import { createTask } from '../../src/distribution/createTask';
import type { Agent, Membership } from '../../src/domain/agent';
import type { DistributionPolicy, Service } from '../../src/domain/service';
import type { Task } from '../../src/domain/task';
import { createMemoryDistribution, type MemoryDistribution } from './memoryDistribution';

const epoch = '2026-11-21T08:00:00.000Z';

export function makeService(id: string, overrides: Partial<Service> & { policy?: DistributionPolicy } = {}): Service {
  const { policy, ...rest } = overrides;
  return {
    id,
    name: `Service ${id}`,
    address: `${id}@contoso.example`,
    imEnabled: true,
    distribution: { policy: policy ?? 'longest-idle', requiredSkills: policy === 'skills' ? [{ skill: 'billing', minLevel: 2 }] : [], ronaTimeoutSeconds: 30 },
    afterCallWork: { durationSeconds: 60, extendable: true, maxExtensionSeconds: 120, canEndEarly: true },
    maxQueueSize: 1000,
    defaultPriority: 1,
    workflowId: null,
    allowedOrigins: [],
    createdAt: epoch,
    updatedAt: epoch,
    ...rest,
  };
}

export function makeAgent(id: string, memberships: readonly Membership[], overrides: Partial<Agent> = {}): Agent {
  return {
    id,
    displayName: `Agent ${id}`,
    email: `${id}@contoso.example`,
    imLicensed: true,
    skills: { billing: 3 },
    profiles: [],
    memberships,
    imCapacity: 1,
    notAvailableReasons: ['Lunch', 'Training'],
    presence: 'available',
    notAvailableRequests: [],
    offers: [],
    tasks: [],
    rona: null,
    lastOfferAt: null,
    idleSince: epoch,
    createdAt: epoch,
    updatedAt: epoch,
    ...overrides,
  };
}

export function duty(serviceId: string, priority = 1): Membership {
  return { serviceId, profile: 'Duty', priority };
}

/** A memory world with service `s`, agent Ann on duty in it, and one external task queued there. */
export async function annWithOneTask(options: { service?: Service; ann?: Partial<Agent> } = {}): Promise<{ w: MemoryDistribution; task: Task }> {
  const w = createMemoryDistribution();
  await w.services.create(options.service ?? makeService('s'));
  await w.agents.create(makeAgent('ann', [duty('s')], options.ann));
  const { task } = await createTask({ serviceId: 's', channel: 'external', idempotencyKey: 'k' }, w.deps);
  return { w, task };
}
