// Conformance: session-enabled queues through the public @azure/service-bus API only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isServiceBusError } from '@azure/service-bus';
import { delay, startFixture, type EmulatorFixture } from './support';

async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    assert.ok(isServiceBusError(err), `expected a ServiceBusError, got ${String(err)}`);
    return err.code;
  }
  return 'no error';
}

describe('sessions', () => {
  let fx: EmulatorFixture;
  before(async () => {
    fx = await startFixture({
      queues: [
        { name: 'distribute', options: { requiresSession: true } },
        { name: 'race', options: { requiresSession: true } },
        { name: 'state', options: { requiresSession: true } },
        { name: 'short', options: { requiresSession: true, lockDurationMs: 800 } },
        { name: 'next', options: { requiresSession: true } },
        { name: 'poison-session', options: { requiresSession: true, maxDeliveryCount: 2 } },
      ],
    });
  });
  after(async () => {
    await fx.close();
  });

  test('acceptSession reads only its session, in order; acceptNextSession takes the oldest free one', async () => {
    const sender = fx.client.createSender('distribute');
    await sender.sendMessages([
      { body: 'a1', sessionId: 'svc-a' },
      { body: 'b1', sessionId: 'svc-b' },
      { body: 'a2', sessionId: 'svc-a' },
      { body: 'b2', sessionId: 'svc-b' },
    ]);
    const b = await fx.client.acceptSession('distribute', 'svc-b');
    assert.equal(b.sessionId, 'svc-b');
    assert.ok(b.sessionLockedUntilUtc && b.sessionLockedUntilUtc.getTime() > Date.now());
    const bMessages = await b.receiveMessages(5, { maxWaitTimeInMs: 500 });
    assert.deepEqual(
      bMessages.map((m) => [m.body, m.sessionId]),
      [
        ['b1', 'svc-b'],
        ['b2', 'svc-b'],
      ],
    );
    for (const m of bMessages) await b.completeMessage(m);
    await b.close();

    const next = await fx.client.acceptNextSession('distribute');
    assert.equal(next.sessionId, 'svc-a');
    const aMessages = await next.receiveMessages(5, { maxWaitTimeInMs: 500 });
    assert.deepEqual(
      aMessages.map((m) => m.body),
      ['a1', 'a2'],
    );
    for (const m of aMessages) await next.completeMessage(m);
    await next.close();
  });

  test('two receivers racing for one session: one gets it, the other SessionCannotBeLocked', async () => {
    await fx.client.createSender('race').sendMessages({ body: 'x', sessionId: 'svc-1' });
    const results = await Promise.allSettled([
      fx.newClient().acceptSession('race', 'svc-1'),
      fx.newClient().acceptSession('race', 'svc-1'),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    const reason: unknown = lost[0]?.reason;
    assert.ok(isServiceBusError(reason));
    assert.equal(reason.code, 'SessionCannotBeLocked');
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof fx.client.acceptSession>>>).value;
    const [message] = await winner.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    assert.ok(message);
    await winner.completeMessage(message);
    await winner.close();
    // Released on close: now it can be accepted again.
    const again = await fx.client.acceptSession('race', 'svc-1');
    await again.close();
  });

  test('session state round-trips and the session lock can be renewed', async () => {
    await fx.client.createSender('state').sendMessages({ body: 'hello', sessionId: 'svc-s' });
    const receiver = await fx.client.acceptSession('state', 'svc-s');
    assert.equal(await receiver.getSessionState(), undefined);
    await receiver.setSessionState({ step: 2 });
    assert.deepEqual(await receiver.getSessionState(), { step: 2 });
    const before = receiver.sessionLockedUntilUtc?.getTime() ?? 0;
    await delay(20);
    await receiver.renewSessionLock();
    assert.ok((receiver.sessionLockedUntilUtc?.getTime() ?? 0) > before);
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    assert.ok(message);
    await receiver.completeMessage(message);
    await receiver.close();
    const later = await fx.client.acceptSession('state', 'svc-s');
    assert.deepEqual(await later.getSessionState(), { step: 2 }, 'state outlives the receiver');
    await later.close();
  });

  test('an expired session lock loses the session and its messages come back', async () => {
    await fx.client.createSender('short').sendMessages({ body: 'slow', sessionId: 'svc-x' });
    const receiver = await fx.newClient().acceptSession('short', 'svc-x', { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    assert.ok(message);
    await delay(1200);
    const code = await errorCode(receiver.completeMessage(message));
    assert.equal(code, 'SessionLockLost');
    const other = await fx.newClient().acceptSession('short', 'svc-x', { maxAutoLockRenewalDurationInMs: 0 });
    const [again] = await other.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    assert.equal(again?.body, 'slow');
    assert.equal(again?.deliveryCount, 1);
    if (again) await other.completeMessage(again);
    await other.close();
  });

  test('acceptNextSession waits for a session to turn up, and times out when none does', async () => {
    const waiting = fx.newClient({ retryOptions: { timeoutInMs: 3000, maxRetries: 0 } }).acceptNextSession('next');
    await delay(300);
    await fx.client.createSender('next').sendMessages({ body: 'late', sessionId: 'svc-late' });
    const receiver = await waiting;
    assert.equal(receiver.sessionId, 'svc-late');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    assert.ok(message);
    await receiver.completeMessage(message);
    await receiver.close();

    const started = Date.now();
    const code = await errorCode(fx.newClient({ retryOptions: { timeoutInMs: 1000, maxRetries: 0 } }).acceptNextSession('next'));
    assert.equal(code, 'ServiceTimeout');
    assert.ok(Date.now() - started < 2500);
  });

  test('a plain receiver on a session queue, or a message without sessionId, is refused', async () => {
    const code = await errorCode(fx.newClient().createReceiver('next').receiveMessages(1, { maxWaitTimeInMs: 500 }));
    assert.notEqual(code, 'no error');
    const sendCode = await errorCode(fx.client.createSender('next').sendMessages({ body: 'no session' }));
    assert.notEqual(sendCode, 'no error');
  });

  test('abandoned session messages count deliveries and dead-letter at maxDeliveryCount', async () => {
    await fx.client.createSender('poison-session').sendMessages({ body: 'bad', sessionId: 'p' });
    for (let i = 0; i < 2; i++) {
      const receiver = await fx.client.acceptSession('poison-session', 'p');
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 });
      assert.equal(message?.deliveryCount, i);
      if (message) await receiver.abandonMessage(message);
      await receiver.close();
    }
    const dlq = fx.client.createReceiver('poison-session', { subQueueType: 'deadLetter', receiveMode: 'receiveAndDelete' });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    assert.equal(dead?.body, 'bad');
    assert.equal(dead?.deadLetterReason, 'MaxDeliveryCountExceeded');
  });
});
