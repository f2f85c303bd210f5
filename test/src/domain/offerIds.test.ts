// Offer ids count their task's offers (`<taskId>.offer-<n>`), so an offer's place in the task's
// offers is read from its id, which the accept's and the finish's patches write to.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../src/domain/errors';
import { nextOfferId, offerIndex, taskIdOfOffer } from '../../../src/domain/task';

describe('offer ids', () => {
  it("give the offer's task and place in its task's offers, also for task ids holding dots, digits and '.offer-'", () => {
    for (const [taskId, offersSoFar] of [['t1', 0], ['t1', 2], ['chat.2026.11.offer', 11], ['a.offer-1', 3]] as const) {
      assert.equal(offerIndex(nextOfferId(taskId, offersSoFar)), offersSoFar);
      assert.equal(taskIdOfOffer(nextOfferId(taskId, offersSoFar)), taskId);
    }
  });

  it('refuse what is not an offer id, rather than name some other offer', () => {
    for (const id of ['abcdef12', 't.offer-0', 't.offer-1a', 't.offer-', '.offer-2']) {
      for (const parse of [offerIndex, taskIdOfOffer]) assert.throws(() => parse(id), (err: unknown) => err instanceof DomainError && err.code === 'OFFER.NOT_FOUND', id);
    }
  });
});
