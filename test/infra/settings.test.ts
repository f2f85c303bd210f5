// Drift between the settings the code reads and the app settings Bicep gives the Function App.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { resourceManifest } from '../../src/config/resourceManifest';
import { loadSettings, settingNames } from '../../src/config/settings';
import { type AppSettings, appSettings, literal } from './appSettings';
import { infraBicepFiles, infraDir, readBicep, repoRoot } from './bicepText';

/** Settings the Functions host reads itself; Switchboard's code does not. */
const hostSettings: Readonly<Record<string, string>> = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'where the host sends telemetry',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Entra ID auth for telemetry (Application Insights has local auth off)',
};

/** Settings the code may read that Bicep deliberately leaves unset in Azure. */
const optionalSettings: Readonly<Record<string, string>> = {
  AzureWebJobsStorage__blobServiceUri: 'alternative to AzureWebJobsStorage__accountName, which Bicep sets',
  DEVHOST_FUNCTION_KEYS: 'devhost only; Azure manages function keys',
  DEVHOST_MASTER_KEY: 'devhost only; Azure manages the master key',
};

interface Source {
  readonly path: string;
  readonly text: string;
}

function sources(dir: string): Source[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') ? [{ path: relative(repoRoot, path), text: readFileSync(path, 'utf8') }] : [];
  });
}

function placeholder(name: string): string {
  const suffix = name.split('__')[1] ?? '';
  if (/Endpoint$|ServiceUri$/.test(suffix)) return 'https://placeholder.example/';
  if (suffix === 'fullyQualifiedNamespace') return 'placeholder.servicebus.windows.net';
  if (suffix === 'clientId') return '00000000-0000-0000-0000-0000000000c1';
  return 'placeholder';
}

/** The environment the Function App gets: literal values as written, expressions as placeholders. */
function environment(settings: AppSettings): Record<string, string> {
  return Object.fromEntries([...settings].map(([name, value]) => [name, literal(value) ?? placeholder(name)]));
}

/** Runs the code's own settings loader on that environment and reports what is not identity-based. */
function identityProblems(settings: AppSettings): string[] {
  let loaded: ReturnType<typeof loadSettings>;
  try {
    loaded = loadSettings(environment(settings));
  } catch (err) {
    return [err instanceof Error ? err.message : String(err)];
  }
  return (Object.keys(settingNames) as (keyof typeof settingNames)[]).flatMap((key) => {
    const name = settingNames[key];
    const connection = loaded[key];
    if (connection.kind !== 'identity') return [`${name} is a connection string, not identity-based`];
    if (connection.credential.kind !== 'managedIdentity') return [`${name}__credential is not managedidentity`];
    if (!connection.credential.clientId) return [`${name}__clientId is not set, so the user-assigned identity is not used`];
    return [];
  });
}

/** `connection:` names in trigger/binding options, literal or through settingNames. */
function connectionNames(files: readonly Source[]): string[] {
  const names = files.flatMap((f) =>
    [...f.text.matchAll(/\bconnection:\s*(?:'([^']+)'|settingNames\.(\w+))/g)].map((m) => m[1] ?? (settingNames as Record<string, string>)[m[2] ?? ''] ?? `settingNames.${m[2] ?? ''}`),
  );
  return [...new Set(names)];
}

function connectionProblems(names: readonly string[], settings: AppSettings): string[] {
  return names.filter((n) => !(n in optionalSettings) && ![...settings.keys()].some((k) => k.startsWith(`${n}__`))).map((n) => `connection ${n} has no ${n}__... settings in Bicep`);
}

function unexplainedSettings(settings: AppSettings): string[] {
  const prefixes = [...Object.values(settingNames), resourceManifest.eventGrid.switchboardEvents.connection].map((p) => `${p}__`);
  const secretSettings = resourceManifest.keyVaultSecrets.map((s) => s.setting as string);
  return [...settings.keys()].filter((k) => !prefixes.some((p) => k.startsWith(p)) && !secretSettings.includes(k) && !(k in hostSettings));
}

function secretProblems(settings: AppSettings, bicepTexts: readonly Source[]): string[] {
  const keyish = /listKeys\(|listConnectionStrings\(|AccountKey=|SharedAccessKey|primaryKey|primaryMasterKey/;
  const inSettings = [...settings].filter(([, v]) => keyish.test(v)).map(([k]) => `${k} carries a key`);
  const inFiles = bicepTexts.filter((f) => keyish.test(f.text)).map((f) => `${f.path} reads a key`);
  const references = resourceManifest.keyVaultSecrets
    .filter((s) => !(settings.get(s.setting) ?? '').startsWith("'@Microsoft.KeyVault(SecretUri="))
    .map((s) => `${s.setting} is not a Key Vault reference`);
  return [...inSettings, ...inFiles, ...references];
}

const functionApp = readBicep(join(infraDir, 'modules', 'functionApp.bicep'));
const deployed = appSettings(functionApp.text, resourceManifest.keyVaultSecrets);
const code = [...sources(join(repoRoot, 'functions')), ...sources(join(repoRoot, 'src'))];

const brokenApp = `
var appSettings = {
  CosmosDb__accountEndpoint: cosmosEndpoint
  CosmosDb__credential: 'managedidentity'
  ServiceBusConnection: listKeys(rule.id, '2024-01-01').primaryConnectionString
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  STRAY_SETTING: 'x'
}
resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: appSettings
}
`;

describe('infra: app settings', () => {
  it('gives the code identity-based settings it accepts (its own loadSettings, with the user-assigned identity)', () => {
    assert.deepEqual(identityProblems(deployed), []);
  });

  it('has settings for every connection named in functions/ and src/', () => {
    assert.deepEqual(connectionProblems(connectionNames(code), deployed), []);
  });

  it('sets nothing the code or the host does not read (host settings and optional ones are listed in this test)', () => {
    assert.deepEqual(unexplainedSettings(deployed), []);
    assert.deepEqual(
      Object.keys(optionalSettings).filter((k) => deployed.has(k)),
      [],
      'a setting listed as optional is set by Bicep: take it off the list',
    );
  });

  it('uses no keys or connection strings, and takes the channel secrets from Key Vault', () => {
    assert.deepEqual(secretProblems(deployed, infraBicepFiles()), []);
    assert.match(functionApp.text, /keyVaultReferenceIdentity:\s*identityId/, 'Key Vault references must resolve with the user-assigned identity');
  });

  it('catches a connection string, a missing clientId and a stray setting', () => {
    const broken = appSettings(brokenApp, []);
    const problems = identityProblems(broken);
    assert.match(problems.join('\n'), /setting ServiceBusConnection /);
    const withoutSb = new Map([...broken].filter(([k]) => k !== 'ServiceBusConnection'));
    withoutSb.set('ServiceBusConnection__fullyQualifiedNamespace', 'ns');
    withoutSb.set('ServiceBusConnection__credential', "'managedidentity'");
    withoutSb.set('ServiceBusConnection__clientId', 'id');
    assert.deepEqual(identityProblems(withoutSb), ['CosmosDb__clientId is not set, so the user-assigned identity is not used']);
    assert.deepEqual(unexplainedSettings(broken), ['ServiceBusConnection', 'STRAY_SETTING']);
    assert.deepEqual(secretProblems(broken, [{ path: 'broken.bicep', text: brokenApp }]).slice(0, 2), ['ServiceBusConnection carries a key', 'broken.bicep reads a key']);
  });

  it('catches a connection name in a trigger that Bicep has no settings for', () => {
    const trigger = { path: 'functions/x.ts', text: "app.serviceBusQueue('x', { connection: 'OtherBus', queueName: 'q', handler })" };
    assert.deepEqual(connectionProblems(connectionNames([trigger]), deployed), ['connection OtherBus has no OtherBus__... settings in Bicep']);
    const viaNames = { path: 'functions/y.ts', text: 'app.serviceBusQueue(\'y\', { connection: settingNames.serviceBus, queueName: \'q\', handler })' };
    assert.deepEqual(connectionNames([viaNames]), ['ServiceBusConnection']);
  });
});
