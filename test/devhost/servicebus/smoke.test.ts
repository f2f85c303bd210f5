import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFixture } from './support';

test('smoke: send, receive, complete', async () => {
  const fx = await startFixture({ queues: [{ name: 'smoke', options: { lockDurationMs: 2000 } }] });
  try {
    const sender = fx.client.createSender('smoke');
    await sender.sendMessages({ body: { hello: 'world' }, applicationProperties: { a: 1 } });
    const receiver = fx.client.createReceiver('smoke');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    assert.ok(message);
    assert.deepEqual(message.body, { hello: 'world' });
    assert.equal(message.deliveryCount, 0);
    await receiver.completeMessage(message);
    const more = await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 });
    assert.equal(more.length, 0);
  } finally {
    await fx.close();
  }
});
