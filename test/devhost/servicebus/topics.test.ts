// Conformance: topics, subscriptions and their rules through the public @azure/service-bus API,
// with the entities declared from a Config.json document like Microsoft's emulator reads.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ServiceBusClient, type ServiceBusMessage } from '@azure/service-bus';
import { startServiceBusEmulator, type EmulatorConfig, type ServiceBusEmulator } from '../../../devhost/servicebus';
import { fastRetry } from './support';

const config: EmulatorConfig = {
  UserConfig: {
    Namespaces: [
      {
        Name: 'sbemulatorns',
        Queues: [
          { Name: 'from-config', Properties: { LockDuration: 'PT5S', MaxDeliveryCount: 2, RequiresSession: false } },
          { Name: 'inbox', Properties: { ForwardTo: 'archive' } },
          { Name: 'archive', Properties: {} },
          { Name: 'strict', Properties: { MaxDeliveryCount: 1, ForwardDeadLetteredMessagesTo: 'graveyard' } },
          { Name: 'graveyard', Properties: {} },
        ],
        Topics: [
          {
            Name: 'switchboard-events',
            Properties: { DefaultMessageTimeToLive: 'PT1H', RequiresDuplicateDetection: false },
            Subscriptions: [
              { Name: 'all', Properties: { LockDuration: 'PT1M', MaxDeliveryCount: 3 } },
              {
                Name: 'offers',
                Properties: {},
                Rules: [
                  {
                    Name: 'offer-events',
                    Properties: { FilterType: 'Correlation', CorrelationFilter: { Label: 'offer', Properties: { channel: 'im' } } },
                  },
                ],
              },
              {
                Name: 'eu-urgent',
                Properties: {},
                Rules: [{ Name: 'sql', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: "region = 'eu' AND (priority > 5 OR urgent = TRUE)" } } }],
              },
              {
                Name: 'services',
                Properties: {},
                Rules: [{ Name: 'in', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: "serviceId IN ('svc-1', 'svc-2') AND (sys.Label IS NULL OR sys.Label <> 'noise')" } } }],
              },
              {
                Name: 'forwarded',
                Properties: { ForwardTo: 'archive' },
                Rules: [{ Name: 'only', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: "kind = 'forward-me'" } } }],
              },
              {
                Name: 'sessions',
                Properties: { RequiresSession: true },
                Rules: [{ Name: 'has-session', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: 'sys.SessionId IS NOT NULL' } } }],
              },
            ],
          },
        ],
      },
    ],
    Logging: { Type: 'File' },
  },
};

describe('topics and subscriptions', () => {
  let emulator: ServiceBusEmulator;
  let client: ServiceBusClient;
  before(async () => {
    emulator = await startServiceBusEmulator({ port: 0, config });
    client = new ServiceBusClient(emulator.connectionString, fastRetry);
  });
  after(async () => {
    await client.close();
    await emulator.close();
  });

  async function drain(subscription: string): Promise<unknown[]> {
    const receiver = client.createReceiver('switchboard-events', subscription, { receiveMode: 'receiveAndDelete' });
    const bodies: unknown[] = [];
    for (;;) {
      const messages = await receiver.receiveMessages(50, { maxWaitTimeInMs: 400 });
      if (messages.length === 0) break;
      bodies.push(...messages.map((m) => m.body));
    }
    await receiver.close();
    return bodies;
  }

  test('each subscription gets a copy of the messages its rules select', async () => {
    const messages: ServiceBusMessage[] = [
      { body: 'offer-im', subject: 'offer', applicationProperties: { channel: 'im' } },
      { body: 'offer-voice', subject: 'offer', applicationProperties: { channel: 'voice' } },
      { body: 'eu-high', applicationProperties: { region: 'eu', priority: 7 } },
      { body: 'eu-low', applicationProperties: { region: 'eu', priority: 2 } },
      { body: 'eu-urgent', applicationProperties: { region: 'eu', priority: 1, urgent: true } },
      { body: 'us-high', applicationProperties: { region: 'us', priority: 9 } },
      { body: 'svc-2', applicationProperties: { serviceId: 'svc-2' } },
      { body: 'svc-3', applicationProperties: { serviceId: 'svc-3' } },
      { body: 'svc-1-noise', subject: 'noise', applicationProperties: { serviceId: 'svc-1' } },
    ];
    await client.createSender('switchboard-events').sendMessages(messages);
    assert.deepEqual(
      await drain('all'),
      messages.map((m) => m.body),
    );
    assert.deepEqual(await drain('offers'), ['offer-im']);
    assert.deepEqual(await drain('eu-urgent'), ['eu-high', 'eu-urgent']);
    assert.deepEqual(await drain('services'), ['svc-2']);
    assert.equal((await client.createReceiver('switchboard-events', 'sessions').peekMessages(10)).length, 0, 'no sessionId, no copy for the session subscription');
  });

  test('session subscriptions and subscription dead-letter queues work like queues', async () => {
    await client.createSender('switchboard-events').sendMessages({ body: 'in-session', sessionId: 'svc-9' });
    const session = await client.acceptSession('switchboard-events', 'sessions', 'svc-9');
    const [message] = await session.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    assert.equal(message?.body, 'in-session');
    if (message) await session.deadLetterMessage(message, { deadLetterReason: 'test', deadLetterErrorDescription: 'from the test' });
    await session.close();
    const dlq = client.createReceiver('switchboard-events', 'sessions', { subQueueType: 'deadLetter', receiveMode: 'receiveAndDelete' });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    assert.equal(dead?.body, 'in-session');
    assert.equal(dead?.deadLetterReason, 'test');
    await drain('all');
  });

  test('rules can be added and removed through the rule manager', async () => {
    const rules = client.createRuleManager('switchboard-events', 'offers');
    await rules.createRule('voice', { sqlExpression: "channel = 'voice'" });
    await client.createSender('switchboard-events').sendMessages([
      { body: 'voice', applicationProperties: { channel: 'voice' } },
      { body: 'chat', applicationProperties: { channel: 'chat' } },
    ]);
    assert.deepEqual(await drain('offers'), ['voice']);
    const listed: Array<{ name: string; filter: unknown }> = [];
    for await (const rule of rules.listRules()) listed.push(rule);
    assert.deepEqual(
      listed.map((r) => [r.name, r.filter]).sort(),
      [
        ['offer-events', { correlationId: null, messageId: null, to: null, replyTo: null, subject: 'offer', sessionId: null, replyToSessionId: null, contentType: null, applicationProperties: { channel: 'im' } }],
        ['voice', { sqlExpression: "channel = 'voice'" }],
      ],
    );
    await rules.deleteRule('voice');
    await client.createSender('switchboard-events').sendMessages({ body: 'voice-2', applicationProperties: { channel: 'voice' } });
    assert.deepEqual(await drain('offers'), []);
    await drain('all');
  });

  test('ForwardTo and ForwardDeadLetteredMessagesTo move messages on', async () => {
    await client.createSender('inbox').sendMessages({ body: 'via-inbox' });
    await client.createSender('switchboard-events').sendMessages({ body: 'via-topic', applicationProperties: { kind: 'forward-me' } });
    const archive = client.createReceiver('archive', { receiveMode: 'receiveAndDelete' });
    const bodies: unknown[] = [];
    for (let i = 0; i < 5 && bodies.length < 2; i++) bodies.push(...(await archive.receiveMessages(10, { maxWaitTimeInMs: 300 })).map((m) => m.body));
    assert.deepEqual(bodies.sort(), ['via-inbox', 'via-topic']);
    assert.equal((await client.createReceiver('inbox').peekMessages(5)).length, 0);

    await client.createSender('strict').sendMessages({ body: 'doomed' });
    const strict = client.createReceiver('strict');
    const [doomed] = await strict.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    assert.ok(doomed);
    await strict.abandonMessage(doomed);
    const [buried] = await client.createReceiver('graveyard', { receiveMode: 'receiveAndDelete' }).receiveMessages(1, { maxWaitTimeInMs: 1000 });
    assert.equal(buried?.body, 'doomed');
    assert.equal(buried?.deadLetterReason, 'MaxDeliveryCountExceeded');
    assert.equal(buried?.deadLetterSource, 'strict');
    assert.equal((await client.createReceiver('strict', { subQueueType: 'deadLetter' }).peekMessages(5)).length, 0);
    await drain('all');
  });

  test('Config.json queue properties apply (MaxDeliveryCount, LockDuration) and entities can be added at run time', async () => {
    await client.createSender('from-config').sendMessages({ body: 'x' });
    const receiver = client.createReceiver('from-config', { maxAutoLockRenewalDurationInMs: 0 });
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    assert.ok(first?.lockedUntilUtc);
    const lockMs = first.lockedUntilUtc.getTime() - Date.now();
    assert.ok(lockMs > 3000 && lockMs <= 5000, `lock of ${lockMs} ms`);
    await receiver.abandonMessage(first);
    const [second] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    assert.ok(second);
    await receiver.abandonMessage(second);
    assert.equal((await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).length, 0);

    emulator.declare({ queues: [{ name: 'added-later' }] });
    await client.createSender('added-later').sendMessages({ body: 'hi' });
    const [late] = await client.createReceiver('added-later', { receiveMode: 'receiveAndDelete' }).receiveMessages(1, { maxWaitTimeInMs: 1000 });
    assert.equal(late?.body, 'hi');
    assert.deepEqual(emulator.describe().queues.sort(), ['added-later', 'archive', 'from-config', 'graveyard', 'inbox', 'strict']);
  });
});
