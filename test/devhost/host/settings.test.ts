import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveAppSettings, AppSettingReferenceError } from '../../../devhost/host/appSettingReference';
import { applyToEnvironment, loadHostSettings, parseTimeSpan, SettingsError } from '../../../devhost/host/settings';

function appDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'devhost-settings-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

describe('host settings', () => {
  it('reads routePrefix, functionTimeout, port, CORS and log level', () => {
    const dir = appDir({
      'host.json': { version: '2.0', functionTimeout: '00:01:30', extensions: { http: { routePrefix: '/v1/' } }, logging: { logLevel: { default: 'Warning' } } },
      'local.settings.json': { Values: { A: 'x', N: 3 }, Host: { LocalHttpPort: 7199, CORS: 'https://a.example, https://b.example' }, ConnectionStrings: { Db: 'cs' } },
    });
    const settings = loadHostSettings(dir);
    assert.equal(settings.routePrefix, 'v1');
    assert.equal(settings.functionTimeoutMs, 90_000);
    assert.equal(settings.port, 7199);
    assert.deepEqual(settings.corsOrigins, ['https://a.example', 'https://b.example']);
    assert.equal(settings.logLevel, 'Warning');
    const env: NodeJS.ProcessEnv = { A: 'from-shell' };
    applyToEnvironment(settings, env);
    assert.equal(env['A'], 'from-shell', 'a variable already in the environment wins');
    assert.equal(env['N'], '3');
    assert.equal(env['ConnectionStrings:Db'], 'cs');
  });

  it('defaults: api prefix, port 7071, 30 minute timeout', () => {
    const settings = loadHostSettings(appDir({ 'host.json': { version: '2.0' } }));
    assert.equal(settings.routePrefix, 'api');
    assert.equal(settings.port, 7071);
    assert.equal(settings.functionTimeoutMs, 30 * 60_000);
  });

  it('refuses a missing host.json and malformed settings, naming the file', () => {
    assert.throws(() => loadHostSettings(appDir({})), (e: unknown) => e instanceof SettingsError && /host\.json/.test(e.message));
    assert.throws(() => loadHostSettings(appDir({ 'host.json': '{nope' })), (e: unknown) => e instanceof SettingsError && /not valid JSON/.test(e.message));
    assert.throws(
      () => loadHostSettings(appDir({ 'host.json': {}, 'local.settings.json': { Host: { LocalHttpPort: 'abc' } } })),
      (e: unknown) => e instanceof SettingsError && /Host\.LocalHttpPort/.test(e.message),
    );
  });

  it('parses TimeSpans', () => {
    assert.equal(parseTimeSpan('1.02:03:04'), ((24 + 2) * 3600 + 3 * 60 + 4) * 1000);
    assert.equal(parseTimeSpan('-1'), undefined);
    assert.throws(() => parseTimeSpan('5 minutes'), SettingsError);
  });

  it('resolves %setting% references in binding properties and refuses unknown ones', () => {
    const bindings = { t: { type: 'timerTrigger', direction: 'in' as const, schedule: '%SCHEDULE%', connection: 'Conn' } };
    assert.equal(resolveAppSettings(bindings, { SCHEDULE: '0 * * * * *' })['t']?.['schedule'], '0 * * * * *');
    assert.throws(() => resolveAppSettings(bindings, {}), AppSettingReferenceError);
  });
});
