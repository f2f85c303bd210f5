// End-to-end: instances survive a devhost restart on the same data directory and carry on.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startDevhost, type DevhostProcess } from '../../support/devhost';
import { durableAppDir } from './support';

describe('Durable instances across a devhost restart', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'durable-restart-'));
  let devhost: DevhostProcess | undefined;

  after(async () => {
    await devhost?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = (): Promise<DevhostProcess> => startDevhost({ appDir: durableAppDir, args: ['--emulators', 'none', '--data-dir', dataDir] });
  const api = (base: string, path: string): string => `${base}/runtime/webhooks/durabletask${path}${path.includes('?') ? '&' : '?'}code=fixture-durable-key`;

  it('keeps a waiting instance, its received events and a pending timer', async () => {
    devhost = await start();
    let base = devhost.baseUrl;
    assert.equal((await fetch(api(base, '/orchestrators/collectItems/restart-items'), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"count":2}' })).status, 202);
    assert.equal((await fetch(api(base, '/orchestrators/approval/restart-timer'), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"timeoutMs":1500}' })).status, 202);
    const raise = await fetch(api(base, '/instances/restart-items/raiseEvent/Item'), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '"before"' });
    assert.equal(raise.status, 202);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await devhost.stop();

    devhost = await start();
    base = devhost.baseUrl;
    const waiting = (await (await fetch(api(base, '/instances/restart-items'))).json()) as { runtimeStatus: string };
    assert.equal(waiting.runtimeStatus, 'Running');
    await fetch(api(base, '/instances/restart-items/raiseEvent/Item'), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '"after"' });
    const deadline = Date.now() + 10_000;
    let items: { runtimeStatus: string; output: unknown } = { runtimeStatus: '', output: null };
    let timer: { runtimeStatus: string; output: unknown } = { runtimeStatus: '', output: null };
    while (Date.now() < deadline && (items.runtimeStatus !== 'Completed' || timer.runtimeStatus !== 'Completed')) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      items = (await (await fetch(api(base, '/instances/restart-items'))).json()) as typeof items;
      timer = (await (await fetch(api(base, '/instances/restart-timer'))).json()) as typeof timer;
    }
    assert.deepEqual(items, { ...items, runtimeStatus: 'Completed', output: ['before', 'after'] });
    assert.deepEqual(timer.output, { approved: false }, 'the timer set before the restart fired after it');
  });
});
