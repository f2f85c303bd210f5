import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canSee, visibleTo } from '../../../src/domain/conversation';

describe('message visibility', () => {
  it('customers see ALL only; agents ALL and INT; supervisors everything', () => {
    assert.deepEqual([...visibleTo('customer')], ['ALL']);
    assert.deepEqual([...visibleTo('agent')].sort(), ['ALL', 'INT']);
    assert.deepEqual([...visibleTo('supervisor')].sort(), ['ALL', 'INT', 'VIP']);
  });

  it('canSee agrees with visibleTo for every role and visibility', () => {
    const table = (['customer', 'agent', 'supervisor'] as const).map((role) => (['ALL', 'INT', 'VIP'] as const).map((v) => canSee(role, { visibility: v })));
    assert.deepEqual(table, [
      [true, false, false],
      [true, true, false],
      [true, true, true],
    ]);
  });
});
