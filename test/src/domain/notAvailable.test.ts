// Not-available requests: one opens each time an agent stops being available, is filled with one of
// their assigned reasons then or later, and closes a week after it opened.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../src/domain/errors';
import { afterPresenceChange, assignedReason, fillRequest, maxOpenRequests, notAvailableMaxMs, openRequests, type NotAvailableRequest } from '../../../src/domain/notAvailable';

const at = (minutes: number): Date => new Date(Date.parse('2026-11-22T08:00:00.000Z') + minutes * 60_000);
const codeOf = (err: unknown): string => (err instanceof DomainError ? err.code : String(err));

describe('not-available requests', () => {
  it('opens one when the agent leaves available, filled when a reason comes with it; none while they stay not available', () => {
    const first = afterPresenceChange([], { from: 'available', to: 'busy', now: at(0), id: 'r1' });
    assert.deepEqual(first, [{ id: 'r1', presence: 'busy', since: at(0).toISOString(), expiresAt: new Date(at(0).getTime() + notAvailableMaxMs).toISOString(), reason: null, filledAt: null }]);
    assert.deepEqual(afterPresenceChange(first, { from: 'busy', to: 'away', now: at(1), id: 'r2' }), first, 'busy to away opens nothing');
    const filled = afterPresenceChange(first, { from: 'busy', to: 'away', now: at(2), id: 'r2', reason: 'Lunch' });
    assert.deepEqual(filled.map((r) => [r.id, r.reason, r.filledAt]), [['r1', 'Lunch', at(2).toISOString()]], 'a reason fills the latest open one');
    const second = afterPresenceChange(afterPresenceChange(filled, { from: 'away', to: 'available', now: at(3), id: 'x' }), { from: 'available', to: 'offline', now: at(4), id: 'r3', reason: 'Training' });
    assert.deepEqual(second.map((r) => [r.id, r.reason]), [['r3', 'Training'], ['r1', 'Lunch']], 'most recent first; going available keeps them');
    assert.deepEqual(afterPresenceChange([], { from: 'offline', to: 'busy', now: at(0), id: 'r4', reason: 'Lunch' }).map((r) => r.id), ['r4'], 'a reason with none open opens one');
  });

  it('closes a request a week after it opened, or at the time the agent gave; closed ones are dropped and refused', () => {
    const requests = afterPresenceChange([], { from: 'available', to: 'away', now: at(0), id: 'r1', until: at(30) });
    assert.equal(requests[0]?.expiresAt, at(30).toISOString());
    assert.equal(openRequests(requests, at(29)).length, 1);
    assert.deepEqual(openRequests(requests, at(30)), []);
    assert.throws(() => fillRequest(requests, 'r1', 'Lunch', at(31)), (err) => codeOf(err) === 'NOT_AVAILABLE.REQUEST_CLOSED');
    assert.throws(() => fillRequest(requests, 'nope', 'Lunch', at(1)), (err) => codeOf(err) === 'NOT_AVAILABLE.REQUEST_NOT_FOUND');
    assert.deepEqual(afterPresenceChange(requests, { from: 'away', to: 'available', now: at(31), id: 'x' }), []);
    const late = afterPresenceChange([], { from: 'available', to: 'away', now: at(0), id: 'r2', until: new Date(at(0).getTime() + 2 * notAvailableMaxMs) });
    assert.equal(late[0]?.expiresAt, new Date(at(0).getTime() + notAvailableMaxMs).toISOString(), 'never more than a week');
  });

  it(`keeps at most ${maxOpenRequests} open requests, the most recent`, () => {
    let requests: readonly NotAvailableRequest[] = [];
    for (let i = 0; i < maxOpenRequests + 5; i++) {
      requests = afterPresenceChange(requests, { from: 'available', to: 'busy', now: at(i), id: `r${i}` });
    }
    assert.equal(requests.length, maxOpenRequests);
    assert.equal(requests[0]?.id, `r${maxOpenRequests + 4}`);
    assert.equal(requests.at(-1)?.id, 'r5');
  });

  it("takes a reason as the admin spelled it, ignoring case and spaces; refuses another, naming the agent's", () => {
    assert.equal(assignedReason(['Lunch', 'Team meeting'], ' team MEETING ', '/reason'), 'Team meeting');
    assert.throws(
      () => assignedReason(['Lunch'], 'Nap', '/reason'),
      (err) => codeOf(err) === 'AGENT.UNKNOWN_REASON' && err instanceof DomainError && err.details['pointer'] === '/reason' && /use one of "Lunch"/.test(err.message),
    );
    assert.throws(() => assignedReason([], 'Lunch', '/reason'), /none are assigned to this agent/);
  });
});
