// Unit tests: the trigger extension's settings, connection resolution and data shapes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readServiceBusHostSettings, resolveConnection } from '../../../devhost/servicebus';
import { toBatchTriggerData, toOutgoingMessages, toTriggerData } from '../../../devhost/servicebus/trigger';

describe('Service Bus trigger extension', () => {
  test('host.json extensions.serviceBus settings, with the extension defaults', () => {
    assert.deepEqual(readServiceBusHostSettings(undefined), {
      prefetchCount: 0,
      autoCompleteMessages: true,
      maxAutoLockRenewalDurationMs: 300_000,
      maxConcurrentCalls: 16,
      maxConcurrentSessions: 8,
      maxMessageBatchSize: 1000,
      sessionIdleTimeoutMs: 1000,
    });
    const custom = readServiceBusHostSettings({
      prefetchCount: 10,
      autoCompleteMessages: false,
      maxAutoLockRenewalDuration: '00:00:30',
      maxConcurrentCalls: 2,
      maxConcurrentSessions: 3,
      maxMessageBatchSize: 50,
      sessionIdleTimeout: '00:00:02',
    });
    assert.deepEqual(custom, {
      prefetchCount: 10,
      autoCompleteMessages: false,
      maxAutoLockRenewalDurationMs: 30_000,
      maxConcurrentCalls: 2,
      maxConcurrentSessions: 3,
      maxMessageBatchSize: 50,
      sessionIdleTimeoutMs: 2000,
    });
    assert.equal(readServiceBusHostSettings({ messageHandlerOptions: { maxConcurrentCalls: 5, autoComplete: false } }).maxConcurrentCalls, 5);
  });

  test('connections resolve from a connection string or an identity-based namespace setting', () => {
    const cs = 'Endpoint=sb://localhost:5999;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true';
    assert.deepEqual(resolveConnection('ServiceBusConnection', { ServiceBusConnection: cs }), { connectionString: cs });
    const local = resolveConnection('ServiceBusConnection', { ServiceBusConnection__fullyQualifiedNamespace: 'localhost:5999' });
    assert.ok('connectionString' in local && local.connectionString.includes('Endpoint=sb://localhost:5999;') && local.connectionString.includes('UseDevelopmentEmulator=true'));
    assert.deepEqual(resolveConnection('ServiceBusConnection', { ServiceBusConnection__fullyQualifiedNamespace: 'sb-prod.servicebus.windows.net' }), {
      fullyQualifiedNamespace: 'sb-prod.servicebus.windows.net',
    });
    assert.deepEqual(resolveConnection(undefined, { AzureWebJobsServiceBus: cs }), { connectionString: cs });
    assert.throws(() => resolveConnection('Missing', {}), /Missing__fullyQualifiedNamespace/);
  });

  test('trigger data: JSON, text, bytes; batches as string or byte collections', () => {
    assert.deepEqual(toTriggerData({ a: 1 }), { json: '{"a":1}' });
    assert.deepEqual(toTriggerData('hi'), { string: 'hi' });
    assert.deepEqual(toTriggerData(Buffer.from([1])), { bytes: Buffer.from([1]) });
    assert.deepEqual(toBatchTriggerData([{ a: 1 }, 'x']), { collectionString: { string: ['{"a":1}', 'x'] } });
    assert.deepEqual(toBatchTriggerData([Buffer.from([1]), Buffer.from([2])]), { collectionBytes: { bytes: [Buffer.from([1]), Buffer.from([2])] } });
  });

  test('output values become messages the way the host writes them', () => {
    const [one] = toOutgoingMessages({ json: '{"serviceId":"s"}' });
    assert.deepEqual(one?.body, Buffer.from('{"serviceId":"s"}'));
    assert.equal(one?.contentType, 'application/json');
    assert.deepEqual(toOutgoingMessages({ string: 'text' })[0]?.body, Buffer.from('text'));
    assert.equal(toOutgoingMessages({ json: '[1,{"b":2},"c"]' }).length, 3);
    assert.deepEqual(toOutgoingMessages({}), []);
  });
});
