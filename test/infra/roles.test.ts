// Drift between what the code does with its identity and the roles Bicep grants it. What it does is
// read from the code (SDK imports in functions/ and src/, host.json) and from the settings Bicep
// gives it; the roles each operation needs are the documented built-in roles below.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resourceManifest } from '../../src/config/resourceManifest';
import { type AppSettings, appSettings } from './appSettings';
import { infraBicepFiles, infraDir, mask, matchingClose, modules, objectEntries, readBicep, repoRoot, resources, squash, variable } from './bicepText';

/** Built-in role definition ids (learn.microsoft.com/azure/role-based-access-control/built-in-roles, Cosmos DB: how-to-setup-rbac). */
const builtIn = {
  'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  'Storage Blob Data Contributor': 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  'Azure Service Bus Data Owner': '090c5cfd-751d-490a-894a-3ce6f1109419',
  'EventGrid Data Sender': 'd5a91429-5739-47e2-a06b-3470a27159e7',
  'Key Vault Secrets User': '4633458b-17de-408a-b874-0445c86b69e6',
  'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb',
  'Cosmos DB Built-in Data Contributor': '00000000-0000-0000-0000-000000000002',
} as const;
type RoleName = keyof typeof builtIn;

interface Need {
  readonly why: string;
  readonly plane: 'azure' | 'cosmos';
  /** Any one of these roles is enough. */
  readonly anyOf: readonly RoleName[];
}

interface Role {
  readonly plane: string;
  readonly roleDefinitionId: string;
}

/** What the code does, as far as it can be read from its imports, host.json and its settings. */
function requiredRoles(imports: ReadonlySet<string>, settings: AppSettings, hostJson: { extensions?: { durableTask?: unknown } }): Need[] {
  const needs: Need[] = [];
  const has = (prefix: string): boolean => [...settings.keys()].some((k) => k.startsWith(prefix));
  if (has('AzureWebJobsStorage__')) needs.push({ why: 'Functions host storage (AzureWebJobsStorage with an identity)', plane: 'azure', anyOf: ['Storage Blob Data Owner'] });
  if (hostJson.extensions?.durableTask !== undefined || imports.has('durable-functions')) {
    needs.push({ why: 'Durable task hub queues', plane: 'azure', anyOf: ['Storage Queue Data Contributor'] });
    needs.push({ why: 'Durable task hub tables', plane: 'azure', anyOf: ['Storage Table Data Contributor'] });
  }
  if (imports.has('@azure/storage-blob')) needs.push({ why: 'attachments through @azure/storage-blob', plane: 'azure', anyOf: ['Storage Blob Data Owner', 'Storage Blob Data Contributor'] });
  if (imports.has('@azure/service-bus') || has('ServiceBusConnection__')) {
    needs.push({ why: 'Service Bus send, receive and trigger scaling', plane: 'azure', anyOf: ['Azure Service Bus Data Owner'] });
  }
  if (imports.has('@azure/cosmos')) needs.push({ why: 'Cosmos DB items through @azure/cosmos', plane: 'cosmos', anyOf: ['Cosmos DB Built-in Data Contributor'] });
  if (imports.has('@azure/eventgrid') || has(`${resourceManifest.eventGrid.switchboardEvents.connection}__`)) {
    needs.push({ why: 'publishing to the Switchboard events topic', plane: 'azure', anyOf: ['EventGrid Data Sender'] });
  }
  if ([...settings.values()].some((v) => v.includes('@Microsoft.KeyVault('))) needs.push({ why: 'Key Vault references in app settings', plane: 'azure', anyOf: ['Key Vault Secrets User'] });
  if ((settings.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING') ?? '').includes('Authorization=AAD')) {
    needs.push({ why: 'telemetry with Entra ID auth', plane: 'azure', anyOf: ['Monitoring Metrics Publisher'] });
  }
  return needs;
}

function importsIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return importsIn(path);
    if (!e.name.endsWith('.ts')) return [];
    return [...readFileSync(path, 'utf8').matchAll(/\bfrom\s+'((?:@[^/']+\/)?[^/'.][^/']*)/g)].map((m) => m[1] ?? '');
  });
}

/** The roles main.bicep and cosmos.bicep assign to the app's identity, as far as the text shows. */
function assignedRoles(main: string, cosmos: string, manifestRoles: readonly Role[]): { roles: Role[]; problems: string[] } {
  const roles: Role[] = [];
  const problems: string[] = [];
  // The loop's collection, or the var it names, must be resources.json's roles of that plane.
  const fromManifest = (text: string, collection: string, plane: string): boolean =>
    /^filter\(resources\.roles, (\w+) => \1\.plane == '(\w+)'\)$/.exec(squash(variable(text, collection)?.value ?? collection))?.[2] === plane;
  for (const m of modules(main).filter((x) => x.path === 'modules/roleAssignment.bicep')) {
    const passed = objectEntries(main, m.body).find((e) => e.key === 'params');
    const args = passed ? objectEntries(main, main.indexOf('{', passed.valueStart)) : [];
    const id = args.find((a) => a.key === 'roleDefinitionId')?.value ?? '';
    const principal = args.find((a) => a.key === 'principalId')?.value ?? '';
    if (principal !== 'identity.outputs.principalId') problems.push(`module ${m.symbol} assigns to ${principal || 'nobody'}, not the app's identity`);
    const literalId = /^'([0-9a-f-]{36})'$/.exec(id)?.[1];
    if (literalId) roles.push({ plane: 'azure', roleDefinitionId: literalId });
    else if (m.loop && id === `${m.loop.variable}.roleDefinitionId` && fromManifest(main, m.loop.collection, 'azure')) roles.push(...manifestRoles.filter((r) => r.plane === 'azure'));
    else problems.push(`module ${m.symbol}: cannot tell which role "${id}" is`);
  }
  for (const r of resources(cosmos).filter((x) => x.type === 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments')) {
    const body = squash(cosmos.slice(r.body, matchingClose(mask(cosmos), r.body)));
    if (r.loop && fromManifest(cosmos, r.loop.collection, 'cosmos') && body.includes(`/sqlRoleDefinitions/\${${r.loop.variable}.roleDefinitionId}`)) {
      roles.push(...manifestRoles.filter((x) => x.plane === 'cosmos'));
    } else {
      problems.push(`cosmos ${r.symbol}: cannot tell which data-plane role it assigns`);
    }
  }
  return { roles, problems };
}

function missingRoles(needs: readonly Need[], assigned: readonly Role[]): string[] {
  return needs
    .filter((n) => !n.anyOf.some((name) => assigned.some((r) => r.plane === n.plane && r.roleDefinitionId === builtIn[name])))
    .map((n) => `${n.why} needs ${n.anyOf.join(' or ')}`);
}

const main = readBicep(join(infraDir, 'main.bicep')).text;
const cosmos = readBicep(join(infraDir, 'modules', 'cosmos.bicep')).text;
const settings = appSettings(readBicep(join(infraDir, 'modules', 'functionApp.bicep')).text, resourceManifest.keyVaultSecrets);
const hostJson = JSON.parse(readFileSync(join(repoRoot, 'host.json'), 'utf8')) as { extensions?: { durableTask?: unknown } };
const imports = new Set([...importsIn(join(repoRoot, 'functions')), ...importsIn(join(repoRoot, 'src'))]);

describe('infra: roles', () => {
  it("names each manifest role by its built-in id", () => {
    const wrong = resourceManifest.roles.filter((r) => builtIn[r.roleName] !== r.roleDefinitionId).map((r) => r.roleName);
    assert.deepEqual(wrong, []);
  });

  it('assigns every role the code and the host need to the app identity', () => {
    const { roles, problems } = assignedRoles(main, cosmos, resourceManifest.roles);
    assert.deepEqual(problems, []);
    assert.deepEqual(missingRoles(requiredRoles(imports, settings, hostJson), roles), []);
  });

  it('assigns Azure roles through one parameterised module named guid(scope, principal, role)', () => {
    const withAssignments = infraBicepFiles().filter((f) => resources(f.text).some((r) => r.type === 'Microsoft.Authorization/roleAssignments'));
    assert.deepEqual(withAssignments.map((f) => f.path), ['infra/modules/roleAssignment.bicep']);
    const [module] = withAssignments;
    assert.ok(module);
    assert.match(squash(module.text), /name: guid\(resourceGroup\(\)\.id, principalId, roleDefinitionId\)/);
    assert.match(squash(cosmos), /name: guid\(account\.id, principalId, role\.roleDefinitionId\)/);
  });

  it('catches a role the code needs that Bicep does not assign', () => {
    const noLoop = `module storageRole 'modules/roleAssignment.bicep' = {
  name: 'storage-role'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    roleDefinitionId: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  }
}`;
    const { roles, problems } = assignedRoles(noLoop, '', resourceManifest.roles);
    assert.deepEqual(problems, []);
    const needs = requiredRoles(new Set(['@azure/cosmos', '@azure/service-bus']), new Map([['AzureWebJobsStorage__accountName', 'x']]), {});
    assert.deepEqual(missingRoles(needs, roles), ['Service Bus send, receive and trigger scaling needs Azure Service Bus Data Owner', 'Cosmos DB items through @azure/cosmos needs Cosmos DB Built-in Data Contributor']);
    const someoneElse = noLoop.replace('identity.outputs.principalId', 'deployer().objectId');
    assert.deepEqual(assignedRoles(someoneElse, '', resourceManifest.roles).problems, ["module storageRole assigns to deployer().objectId, not the app's identity"]);
    const wrongPlane = `var azureRoles = filter(resources.roles, r => r.plane == 'cosmos')
module roleAssignments 'modules/roleAssignment.bicep' = [
  for role in azureRoles: {
    name: 'role-\${role.roleDefinitionId}'
    params: {
      principalId: identity.outputs.principalId
      roleDefinitionId: role.roleDefinitionId
    }
  }
]`;
    assert.deepEqual(assignedRoles(wrongPlane, '', resourceManifest.roles), { roles: [], problems: ['module roleAssignments: cannot tell which role "role.roleDefinitionId" is'] });
  });
});
