// End to end: devhost runs the plain-JS fixture app's Service Bus functions against its broker; the
// test drives them through the real SDK and watches what they report on the "observed" queue.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ServiceBusClient, type ServiceBusReceiver } from '@azure/service-bus';
import { startDevhost, repoRoot, type DevhostProcess } from '../../support/devhost';
import { freePort } from '../../support/ports';
import { delay, fastRetry } from './support';

type Observation = Record<string, unknown>;

describe('Service Bus triggers through devhost', () => {
  let devhost: DevhostProcess;
  let client: ServiceBusClient;
  let observed: ServiceBusReceiver;
  /** Everything reported so far; tests pick what belongs to them. */
  const seen: Observation[] = [];

  async function waitFor(predicate: (all: Observation[]) => boolean, what: string, timeoutMs = 10_000): Promise<Observation[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(seen)) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; saw ${JSON.stringify(seen)}\n${devhost.output()}`);
      const messages = await observed.receiveMessages(50, { maxWaitTimeInMs: 200 });
      for (const m of messages) seen.push(m.body as Observation);
    }
    return seen;
  }

  before(async () => {
    const serviceBusPort = await freePort();
    const connectionString = `Endpoint=sb://localhost:${serviceBusPort};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true`;
    devhost = await startDevhost({
      appDir: join(repoRoot, 'test', 'fixtures', 'servicebus-app'),
      args: ['--emulators', 'servicebus'],
      ports: { serviceBus: serviceBusPort },
      env: { ServiceBusConnection: connectionString },
    });
    client = new ServiceBusClient(connectionString, fastRetry);
    observed = client.createReceiver('observed', { receiveMode: 'receiveAndDelete' });
  });

  after(async () => {
    await client?.close();
    await devhost?.stop();
  });

  test('devhost lists the Service Bus functions', () => {
    const output = devhost.output();
    assert.match(output, /orders: serviceBusTrigger: queue 'orders'/);
    assert.match(output, /distribute: serviceBusTrigger: queue 'distribute', sessions/);
  });

  test('a message runs the function once, with trigger metadata, and is completed', async () => {
    await client.createSender('orders').sendMessages({ body: { id: 'o-1' }, messageId: 'msg-o-1', applicationProperties: { serviceId: 'svc-1' } });
    await waitFor((all) => all.some((o) => o['id'] === 'o-1'), 'o-1');
    const record = seen.find((o) => o['id'] === 'o-1') ?? {};
    assert.equal(record['fn'], 'orders');
    assert.equal(record['deliveryCount'], 1);
    assert.equal(record['messageId'], 'msg-o-1');
    assert.equal(typeof record['sequenceNumber'], 'number');
    assert.ok(!Number.isNaN(Date.parse(String(record['enqueuedTimeUtc']))));
    assert.match(String(record['lockToken']), /^[0-9a-f-]{36}$/);
    assert.deepEqual(record['applicationProperties'], { serviceId: 'svc-1' });
    await delay(300);
    assert.equal((await client.createReceiver('orders').peekMessages(10)).length, 0, 'completed');
  });

  test('a function that throws abandons; the message comes back and dead-letters after maxDeliveryCount', async () => {
    await client.createSender('orders').sendMessages({ body: { id: 'p-1', fail: true }, messageId: 'poison-1' });
    await waitFor((all) => all.filter((o) => o['id'] === 'p-1').length >= 3, 'three failed attempts');
    assert.deepEqual(
      seen.filter((o) => o['id'] === 'p-1').map((o) => o['deliveryCount']),
      [1, 2, 3],
    );
    const dlq = client.createReceiver('orders', { subQueueType: 'deadLetter', receiveMode: 'receiveAndDelete' });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    assert.equal(dead?.messageId, 'poison-1');
    assert.equal(dead?.deadLetterReason, 'MaxDeliveryCountExceeded');
  });

  test('locks are renewed while a function runs longer than the lock duration', async () => {
    await client.createSender('orders').sendMessages({ body: { id: 'slow', sleepMs: 2500 } });
    await waitFor((all) => all.some((o) => o['id'] === 'slow'), 'the slow order', 15_000);
    await delay(1500);
    await waitFor(() => true, 'late duplicates');
    const runs = seen.filter((o) => o['id'] === 'slow');
    assert.equal(runs.length, 1, 'no redelivery: the lock never lapsed');
    assert.equal(runs[0]?.['deliveryCount'], 1);
  });

  test('host.json maxConcurrentCalls bounds how many invocations run at once', async () => {
    await client.createSender('throttle').sendMessages(Array.from({ length: 12 }, (_, n) => ({ body: { n } })));
    await waitFor((all) => all.filter((o) => o['fn'] === 'throttle').length >= 12, 'twelve throttled calls');
    const peaks = seen.filter((o) => o['fn'] === 'throttle').map((o) => Number(o['inFlight']));
    assert.ok(Math.max(...peaks) <= 4, `at most 4 at once, saw ${Math.max(...peaks)}`);
    assert.ok(Math.max(...peaks) >= 2, 'calls do overlap');
  });

  test('autoCompleteMessages: false leaves settlement to the function: unsettled messages come back', async () => {
    await client.createSender('manual').sendMessages({ body: { id: 'm-1' } });
    await waitFor((all) => all.filter((o) => o['fn'] === 'manual').length >= 2, 'a redelivery after the lock lapsed', 10_000);
    assert.deepEqual(
      seen.filter((o) => o['fn'] === 'manual').map((o) => o['deliveryCount']),
      [1, 2],
    );
    const [dead] = await client.createReceiver('manual', { subQueueType: 'deadLetter', receiveMode: 'receiveAndDelete' }).receiveMessages(1, { maxWaitTimeInMs: 3000 });
    assert.equal(dead?.deadLetterReason, 'MaxDeliveryCountExceeded');
  });

  test('session triggers keep each session in order', async () => {
    const messages = [];
    for (let seq = 1; seq <= 5; seq++) {
      messages.push({ body: { seq }, sessionId: 'svc-a' }, { body: { seq }, sessionId: 'svc-b' });
    }
    await client.createSender('distribute').sendMessages(messages);
    await waitFor((all) => all.filter((o) => o['fn'] === 'distribute').length >= 10, 'ten session messages', 15_000);
    for (const sessionId of ['svc-a', 'svc-b']) {
      assert.deepEqual(
        seen.filter((o) => o['fn'] === 'distribute' && o['sessionId'] === sessionId).map((o) => o['seq']),
        [1, 2, 3, 4, 5],
      );
    }
  });

  test('cardinality many hands a batch with array metadata and sends an array through the output binding', async () => {
    await client.createSender('bulk').sendMessages(Array.from({ length: 5 }, (_, i) => ({ body: { n: i }, messageId: `bulk-${i}` })));
    await waitFor((all) => all.filter((o) => o['fn'] === 'bulk').reduce((n, o) => n + Number(o['count']), 0) >= 5, 'five batched messages');
    const batches = seen.filter((o) => o['fn'] === 'bulk');
    const bodies = batches.flatMap((o) => o['bodies'] as unknown[]);
    assert.deepEqual(
      bodies.map((b) => (b as { n: number }).n).sort(),
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(
      batches.flatMap((o) => o['messageIds'] as string[]).sort(),
      ['bulk-0', 'bulk-1', 'bulk-2', 'bulk-3', 'bulk-4'],
    );
    assert.ok(batches.every((o) => (o['deliveryCounts'] as number[]).every((c) => c === 1)));
    await waitFor((all) => all.filter((o) => o['fn'] === 'bulk-echo').length === batches.length, 'one echo per batch');
  });

  test('session triggers with cardinality many get batches of one session, in order', async () => {
    const messages = [];
    for (let seq = 1; seq <= 6; seq++) messages.push({ body: { seq }, sessionId: 'z' }, { body: { seq }, sessionId: 'y' });
    await client.createSender('session-bulk').sendMessages(messages);
    const count = (all: Observation[]): number => all.filter((o) => o['fn'] === 'sessionBulk').reduce((n, o) => n + (o['seqs'] as number[]).length, 0);
    await waitFor((all) => count(all) >= 12, 'twelve messages in session batches');
    for (const sessionId of ['y', 'z']) {
      const batches = seen.filter((o) => o['fn'] === 'sessionBulk' && o['sessionId'] === sessionId);
      assert.deepEqual(
        batches.flatMap((o) => o['seqs'] as number[]),
        [1, 2, 3, 4, 5, 6],
      );
      assert.ok(batches.every((o) => (o['sessionIds'] as string[]).every((id) => id === sessionId)));
    }
  });

  test('topic triggers see what their subscription rule selects', async () => {
    await client.createSender('events').sendMessages([
      { body: { kind: 'offer', offerId: 'f-1' }, subject: 'offer-made', applicationProperties: { kind: 'offer' } },
      { body: { kind: 'presence' }, applicationProperties: { kind: 'presence' } },
    ]);
    await waitFor((all) => all.some((o) => o['fn'] === 'audit'), 'the audit function');
    await delay(500);
    await waitFor(() => true, 'stragglers');
    const audits = seen.filter((o) => o['fn'] === 'audit');
    assert.equal(audits.length, 1);
    assert.deepEqual(audits[0]?.['event'], { kind: 'offer', offerId: 'f-1' });
    assert.equal(audits[0]?.['subject'], 'offer-made');
  });

  test('a return-value output binding (return: output.serviceBusQueue) is sent through the broker', async () => {
    await client.createSender('relay').sendMessages({ body: { hello: 'bus' } });
    const relayed = await waitFor((all) => all.some((o) => o['fn'] === 'relay'), 'the relay function');
    assert.deepEqual(relayed.find((o) => o['fn'] === 'relay')?.['echoed'], { hello: 'bus' });
  });
});
