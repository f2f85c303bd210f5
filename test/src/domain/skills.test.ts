// Skills-based routing reads only the skills an agent was given, matching names ignoring case: a
// required skill named like an inherited JavaScript property ("constructor", "toString") is missing
// from an agent without it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ineligibility, skillLevel } from '../../../src/domain/agent';
import { chooseAgent } from '../../../src/domain/routing';
import { duty, makeAgent, makeService } from '../../support/distributionFixtures';

const inherited = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__proto__'];

describe('skills', () => {
  it('finds no level for a skill the agent was not given, whatever its name', () => {
    const agent = makeAgent('a', [duty('s')], { skills: { billing: 4 } });
    assert.equal(skillLevel(agent, 'billing'), 4);
    for (const skill of inherited) assert.equal(skillLevel(agent, skill), undefined, skill);
  });

  it('matches skill names ignoring case', () => {
    const agent = makeAgent('a', [duty('s')], { skills: { French: 7 } });
    assert.equal(skillLevel(agent, 'french'), 7);
    assert.equal(skillLevel(agent, 'FRENCH'), 7);
    const service = makeService('s', { policy: 'skills', distribution: { policy: 'skills', requiredSkills: [{ skill: 'french', minLevel: 5 }], ronaTimeoutSeconds: 30 } });
    assert.equal(ineligibility(agent, 's', service.distribution.requiredSkills), undefined, '"French" 7 meets "french" 5');
    assert.equal(chooseAgent(service, { id: 't', refusedBy: [] }, [agent], new Date('2026-11-21T10:00:00.000Z'))?.chosenAgentId, 'a');
  });

  it('excludes an agent without a required skill named like an inherited property, and offers to the one who has it', () => {
    for (const skill of inherited.filter((s) => s !== '__proto__')) {
      const service = makeService('s', { policy: 'skills', distribution: { policy: 'skills', requiredSkills: [{ skill, minLevel: 3 }], ronaTimeoutSeconds: 30 } });
      const without = makeAgent('without', [duty('s')], { skills: {}, idleSince: '2026-11-21T08:00:00.000Z' });
      const skilled = makeAgent('skilled', [duty('s')], { skills: { [skill]: 5 }, idleSince: '2026-11-21T09:00:00.000Z' });
      assert.equal(ineligibility(without, 's', service.distribution.requiredSkills), 'missing-skill', skill);
      const decision = chooseAgent(service, { id: 't', refusedBy: [] }, [without, skilled], new Date('2026-11-21T10:00:00.000Z'));
      assert.equal(decision?.chosenAgentId, 'skilled', skill);
      assert.deepEqual(decision?.ranking.map((r) => r.values['skillScore']), [5], `${skill}: the score is the level, a number`);
      assert.equal(chooseAgent(service, { id: 't', refusedBy: [] }, [without], new Date('2026-11-21T10:00:00.000Z')), undefined, `${skill}: nobody else can take it`);
    }
  });
});
