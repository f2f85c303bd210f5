// chooseAgent ranks eligible agents by the service's policy: the chosen agent and the ranking it
// records are those of a full sort of the eligible agents (fast-check over random agent pools).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Agent } from '../../../src/domain/agent';
import { chooseAgent } from '../../../src/domain/routing';
import type { DistributionPolicy } from '../../../src/domain/service';
import { duty, makeAgent, makeService } from '../../support/distributionFixtures';

const policies: DistributionPolicy[] = ['longest-idle', 'round-robin', 'skills', 'priority'];
const minute = fc.integer({ min: 0, max: 5 }).map((m) => `2026-11-21T08:0${m}:00.000Z`);

const poolArb = fc.uniqueArray(
  fc.record({
    id: fc.integer({ min: 0, max: 60 }).map((n) => `a${n}`),
    idleSince: minute,
    lastOfferAt: fc.option(minute, { nil: null }),
    billing: fc.integer({ min: 0, max: 3 }),
    priority: fc.integer({ min: 0, max: 3 }),
    available: fc.boolean(),
    load: fc.integer({ min: 0, max: 2 }),
  }),
  { selector: (a) => a.id, maxLength: 40 },
);

function agentOf(a: { id: string; idleSince: string; lastOfferAt: string | null; billing: number; priority: number; available: boolean; load: number }): Agent {
  return makeAgent(a.id, [duty('s', a.priority)], {
    idleSince: a.idleSince,
    lastOfferAt: a.lastOfferAt,
    skills: { billing: a.billing },
    presence: a.available ? 'available' : 'away',
    imCapacity: 2,
    offers: Array.from({ length: a.load }, (_, i) => ({ offerId: `${a.id}-o${i}`, taskId: `t${i}`, serviceId: 's', offeredAt: a.idleSince })),
  });
}

/** The reference: every eligible agent sorted by the policy's keys (an agent holding fewer chats is idler), ties by id. */
function fullSort(policy: DistributionPolicy, agents: Agent[]): string[] {
  const key = (a: Agent): (string | number)[] => {
    switch (policy) {
      case 'longest-idle':
        return [a.offers.length, a.idleSince, a.id];
      case 'round-robin':
        return [a.lastOfferAt ?? '', a.id];
      case 'skills':
        return [-(a.skills.billing ?? 0), a.offers.length, a.idleSince, a.id];
      case 'priority':
        return [-(a.memberships[0]?.priority ?? 0), a.offers.length, a.idleSince, a.id];
    }
  };
  return agents
    .map((a) => ({ id: a.id, k: key(a) }))
    .sort((x, y) => {
      for (let i = 0; i < x.k.length; i++) if (x.k[i] !== y.k[i]) return (x.k[i] as string) < (y.k[i] as string) ? -1 : 1;
      return 0;
    })
    .map((x) => x.id);
}

describe('chooseAgent', () => {
  it('chooses and ranks as a full sort of the eligible agents would', () => {
    fc.assert(
      fc.property(fc.constantFrom(...policies), poolArb, fc.array(fc.integer({ min: 0, max: 60 }).map((n) => `a${n}`), { maxLength: 3 }), (policy, pool, refusedBy) => {
        const service = makeService('s', { distribution: { policy, requiredSkills: policy === 'skills' ? [{ skill: 'billing', minLevel: 1 }] : [], ronaTimeoutSeconds: 30 } });
        const agents = pool.map(agentOf);
        const decision = chooseAgent(service, { id: 't', refusedBy }, agents, new Date('2026-11-21T09:00:00Z'));
        const eligible = agents.filter((a) => a.presence === 'available' && a.offers.length < 2 && !refusedBy.includes(a.id) && (policy !== 'skills' || (a.skills.billing ?? 0) >= 1));
        const expected = fullSort(policy, eligible);
        if (expected.length === 0) return assert.equal(decision, undefined);
        assert.equal(decision?.chosenAgentId, expected[0]);
        assert.deepEqual(
          decision?.ranking.map((r) => r.agentId),
          expected.slice(0, 5),
        );
        assert.equal(decision?.excluded.length, agents.length - eligible.length);
      }),
      { numRuns: 500 },
    );
  });
});
