// A monitored timer whose occurrence was missed while the host was down runs at start with isPastDue.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot, startDevhost } from '../../support/devhost';

describe('timer schedule monitor', () => {
  it('runs a missed occurrence late with isPastDue, then records the next one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'devhost-timers-'));
    mkdirSync(join(dataDir, 'timers'));
    const missed = '2026-01-01T00:00:00.000Z';
    writeFileSync(join(dataDir, 'timers', 'onStartup.json'), JSON.stringify({ Last: '2025-01-01T00:00:00.000Z', Next: missed, LastUpdated: '2025-01-01T00:00:05.000Z' }));
    const devhost = await startDevhost({ appDir: join(repoRoot, 'test', 'fixtures', 'host-app'), dataDir });
    try {
      const state = (await (await fetch(`${devhost.baseUrl}/api/probe/timers`)).json()) as { startups: { isPastDue: boolean; scheduledNext: string | null }[] };
      assert.deepEqual(state.startups, [{ isPastDue: true, scheduledNext: missed }]);
      const status = JSON.parse(readFileSync(join(dataDir, 'timers', 'onStartup.json'), 'utf8')) as { Last: string; Next: string };
      assert.equal(status.Last, missed);
      assert.ok(Date.parse(status.Next) > Date.now(), 'the next occurrence is in the future');
      assert.match(status.Next, /-01-01T00:00:00\.000Z$/, 'the yearly schedule');
    } finally {
      await devhost.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
