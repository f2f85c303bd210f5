import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseExit } from '../../../../src/domain/workflow/conditions';
import { renderTemplate, renderUrlTemplate } from '../../../../src/domain/workflow/template';

describe('workflow templates', () => {
  it('fills {{parameters}}, empty when unset', () => {
    assert.equal(renderTemplate('Hello {{customerName}}, order {{ orderId }}{{missing}}!', { customerName: 'Ann', orderId: 'A-1' }), 'Hello Ann, order A-1!');
  });
  it('percent-encodes parameter values in URLs so they cannot change the URL', () => {
    assert.equal(renderUrlTemplate('https://api.example/orders/{{id}}?q={{q}}', { id: '../admin', q: 'a&b=c' }), 'https://api.example/orders/..%2Fadmin?q=a%26b%3Dc');
  });
});

describe('Check Parameter conditions', () => {
  const params = { tier: 'gold', spend: '120', email: 'ann@x.example', empty: '' };
  const exit = (operator: Parameters<typeof chooseExit>[0][number]['operator'], parameter: string, value?: string): string =>
    chooseExit([{ parameter, operator, ...(value === undefined ? {} : { value }), exit: 'hit' }], params);
  it('evaluates every operator', () => {
    assert.equal(exit('equals', 'tier', 'gold'), 'hit');
    assert.equal(exit('equals', 'tier', 'Gold'), 'else');
    assert.equal(exit('notEquals', 'tier', 'silver'), 'hit');
    assert.equal(exit('contains', 'email', 'X.EXAMPLE'), 'hit');
    assert.equal(exit('exists', 'tier'), 'hit');
    assert.equal(exit('exists', 'empty'), 'else');
    assert.equal(exit('notExists', 'nope'), 'hit');
    assert.equal(exit('greaterThan', 'spend', '100'), 'hit');
    assert.equal(exit('lessThan', 'spend', '100'), 'else');
    assert.equal(exit('greaterThan', 'tier', '1'), 'else', 'not a number: the condition does not hold');
    assert.equal(exit('matches', 'email', '^[^@]+@x\\.example$'), 'hit');
  });
  it('takes the first condition that holds, else `else`', () => {
    const conditions = [
      { parameter: 'tier', operator: 'equals' as const, value: 'silver', exit: 'silver' },
      { parameter: 'spend', operator: 'greaterThan' as const, value: '100', exit: 'big' },
      { parameter: 'tier', operator: 'equals' as const, value: 'gold', exit: 'gold' },
    ];
    assert.equal(chooseExit(conditions, params), 'big');
    assert.equal(chooseExit(conditions, {}), 'else');
  });
});
