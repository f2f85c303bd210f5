// GET /api/health through devhost, with Switchboard's real clients against the emulators.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../support/devhost';
import { startSwitchboard } from '../support/switchboard';

interface HealthReport {
  status: string;
  dependencies: Record<string, { status: string; error?: string }>;
}

describe('GET /api/health', () => {
  it('answers 200 with every dependency up when Cosmos, Storage and Service Bus run', async () => {
    const devhost = await startSwitchboard();
    try {
      const res = await fetch(`${devhost.baseUrl}/api/health`);
      const report = (await res.json()) as HealthReport;
      assert.equal(res.status, 200, JSON.stringify(report));
      assert.equal(report.status, 'healthy');
      assert.deepEqual(Object.keys(report.dependencies).sort(), ['cosmos', 'serviceBus', 'storage']);
      for (const dependency of Object.values(report.dependencies)) assert.equal(dependency.status, 'up');
    } finally {
      await devhost.stop();
    }
  });

  it('answers 503 naming the dependency that is down', async () => {
    const devhost = await startSwitchboard({ emulators: ['azurite', 'servicebus'] });
    try {
      const res = await fetch(`${devhost.baseUrl}/api/health`);
      const report = (await res.json()) as HealthReport;
      assert.equal(res.status, 503);
      assert.equal(report.status, 'unhealthy');
      assert.equal(report.dependencies['cosmos']?.status, 'down');
      assert.ok(report.dependencies['cosmos']?.error);
      assert.equal(report.dependencies['storage']?.status, 'up');
    } finally {
      await devhost.stop();
    }
  });

  it('refuses to start with a malformed setting, naming it', () => {
    const result = spawnSync(process.execPath, [join(repoRoot, 'devhost', 'bin', 'devhost.js'), 'start', '--cwd', repoRoot, '--port', '0', '--emulators', 'none'], {
      env: { ...process.env, CosmosDb: 'AccountEndpoint=http://localhost:8081/' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /setting CosmosDb must hold AccountEndpoint=\.\.\.;AccountKey=\.\.\./);
  });
});
