// The Durable extension's edges: host.json settings, the client binding data the SDK accepts, and
// the RPC endpoint's port fallback.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { ClientApiServer } from '../../../devhost/durable/clientApi';
import { DurableEngine } from '../../../devhost/durable/engine';
import { readDurableTaskSettings } from '../../../devhost/durable/extension';
import { InstanceStore } from '../../../devhost/durable/store';
import { ManualClock } from './support';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

describe('Durable extension settings and endpoints', () => {
  it('reads hubName and concurrency limits from host.json, expanding %app settings%', () => {
    assert.deepEqual(readDurableTaskSettings(undefined), { hubName: 'TestHubName' });
    assert.deepEqual(readDurableTaskSettings({ hubName: '%HUB%', maxConcurrentActivityFunctions: 4, maxConcurrentOrchestratorFunctions: '2' }, { HUB: 'SwitchboardHub' }), {
      hubName: 'SwitchboardHub',
      maxConcurrentActivityFunctions: 4,
      maxConcurrentOrchestratorFunctions: 2,
    });
    assert.throws(() => readDurableTaskSettings({ hubName: 'no-dashes' }), /hubName "no-dashes" is invalid/);
    assert.throws(() => readDurableTaskSettings({ maxConcurrentActivityFunctions: 0 }), /maxConcurrentActivityFunctions must be a positive integer/);
  });

  it('falls back to a free port when the RPC port is taken, and serves the SDK routes under /durabletask/', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    const engine = new DurableEngine({ hubName: 'Hub', store: new InstanceStore(undefined, 'Hub'), clock: new ManualClock() });
    engine.start({ functions: [], log: quiet, invoke: () => Promise.reject(new Error('no functions')) });
    const warnings: string[] = [];
    const server = new ClientApiServer(engine, () => ({ webhookBaseUrl: 'http://localhost:7071/runtime/webhooks/durabletask', querySuffix: 'code=k' }), { ...quiet, warn: (m: string) => void warnings.push(m) });
    try {
      await server.listen(taken);
      assert.notEqual(new URL(server.baseUrl).port, String(taken));
      assert.match(warnings.join('\n'), new RegExp(`port ${taken} is in use`));
      assert.equal((await fetch(`${server.baseUrl}instances/missing`)).status, 404);
      const list = await fetch(`${server.baseUrl}instances/`);
      assert.equal(list.status, 200);
      assert.deepEqual(await list.json(), []);
      const start = await fetch(`${server.baseUrl}orchestrators/nothing`, { method: 'POST', body: '' });
      assert.equal(start.status, 400);
      assert.equal((await fetch(`${server.baseUrl.replace('/durabletask/', '/elsewhere/')}instances/`)).status, 404);
    } finally {
      await server.close();
      blocker.close();
    }
  });
});
