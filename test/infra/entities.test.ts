// Drift between the entities the code uses (through the resource manifest) and what Bicep creates:
// every queue, topic, container and blob container is created in a loop over resources.json with
// the manifest's properties passed through, and the manifest holds only properties Bicep passes.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { readServiceBusHostSettings } from '../../devhost/servicebus/trigger';
import { resourceManifest } from '../../src/config/resourceManifest';
import { type BicepFile, infraBicepFiles, infraDir, loadJsonPaths, objectEntries, readBicep, repoRoot, resources, squash, variable } from './bicepText';

interface LoopExpectation {
  readonly type: string;
  readonly collection: string;
  /** Entries the resource body must hold, as text with `$` standing for the loop variable. */
  readonly body: readonly string[];
}

/** Checks that a resource of `type` loops over `collection` and its body holds the expected expressions. */
function loopProblems(file: BicepFile, expectation: LoopExpectation): string[] {
  const found = resources(file.text).filter((r) => r.type === expectation.type);
  if (found.length !== 1) return [`${file.path}: expected one ${expectation.type} resource, found ${found.length}`];
  const [resource] = found;
  if (!resource) return [];
  if (!resource.loop || !resource.loop.collection.includes(expectation.collection)) {
    return [`${file.path}: ${expectation.type} is not a loop over ${expectation.collection}`];
  }
  const loopVar = resource.loop.variable;
  const bodyText = squash(file.text.slice(resource.body, resource.body + bodyLength(file.text, resource.body)));
  return expectation.body.map((e) => e.replaceAll('$', loopVar)).filter((e) => !bodyText.includes(squash(e))).map((e) => `${file.path}: ${expectation.type} does not take "${e}" from the manifest`);
}

function bodyLength(text: string, open: number): number {
  const entries = objectEntries(text, open);
  const last = entries[entries.length - 1];
  return last ? last.valueStart + last.value.length - open + 1 : 2;
}

/** Every loadJsonContent('...resources.json') in infra/ must be the file npm run build writes. */
function manifestPathProblems(files: readonly BicepFile[]): string[] {
  const expected = join(infraDir, 'resources.json');
  return files.flatMap((f) =>
    loadJsonPaths(f.text)
      .map((p) => join(repoRoot, dirname(f.path), p))
      .filter((p) => !existsSync(p) || (p.endsWith('resources.json') && p !== expected))
      .map((p) => `${f.path}: loadJsonContent path ${relative(repoRoot, p)} is not a file in infra/ (or not infra/resources.json)`),
  );
}

/** Manifest entries may only hold the properties the Bicep loops pass on, in ARM's names. */
const queueProperties = new Set([
  // Microsoft.ServiceBus/namespaces/queues@2024-01-01 (learn.microsoft.com/azure/templates/microsoft.servicebus/2024-01-01/namespaces/queues)
  'autoDeleteOnIdle', 'deadLetteringOnMessageExpiration', 'defaultMessageTimeToLive', 'duplicateDetectionHistoryTimeWindow', 'enableBatchedOperations',
  'enableExpress', 'enablePartitioning', 'forwardDeadLetteredMessagesTo', 'forwardTo', 'lockDuration', 'maxDeliveryCount', 'maxMessageSizeInKilobytes',
  'maxSizeInMegabytes', 'requiresDuplicateDetection', 'requiresSession', 'status',
]);
const topicProperties = new Set([
  // Microsoft.ServiceBus/namespaces/topics@2024-01-01
  'autoDeleteOnIdle', 'defaultMessageTimeToLive', 'duplicateDetectionHistoryTimeWindow', 'enableBatchedOperations', 'enableExpress', 'enablePartitioning',
  'maxMessageSizeInKilobytes', 'maxSizeInMegabytes', 'requiresDuplicateDetection', 'status', 'supportOrdering',
]);
const containerKeys = new Set(['name', 'partitionKeyPaths', 'defaultTtl', 'indexingPolicy']);

interface ManifestShape {
  readonly cosmos: { readonly containers: readonly object[] };
  readonly serviceBus: { readonly queues: readonly object[]; readonly topics: readonly object[] };
}

function manifestShapeProblems(manifest: ManifestShape): string[] {
  const keys = (o: object): string[] => Object.keys(o);
  const entity = (kind: string, items: readonly object[], allowed: Set<string>): string[] =>
    items.flatMap((item) => {
      const name = (item as { name?: unknown }).name;
      const extra = keys(item).filter((k) => k !== 'name' && k !== 'properties');
      const properties = (item as { properties?: object }).properties ?? {};
      return [
        ...extra.map((k) => `${kind} ${String(name)}: "${k}" is not passed to Bicep (only name and properties are)`),
        ...keys(properties).filter((k) => !allowed.has(k)).map((k) => `${kind} ${String(name)}: "${k}" is not an ARM ${kind} property`),
      ];
    });
  const containers = manifest.cosmos.containers.flatMap((c) =>
    keys(c).filter((k) => !containerKeys.has(k)).map((k) => `container ${String((c as { name?: unknown }).name)}: "${k}" is not passed to Bicep`),
  );
  return [...entity('queue', manifest.serviceBus.queues, queueProperties), ...entity('topic', manifest.serviceBus.topics, topicProperties), ...containers];
}

interface Source {
  readonly path: string;
  readonly text: string;
}

function codeSources(dir: string): Source[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return codeSources(path);
    return e.name.endsWith('.ts') ? [{ path: relative(repoRoot, path), text: readFileSync(path, 'utf8') }] : [];
  });
}

/** Entity names written as literals in the code (instead of taken from the manifest) must be in it. */
function literalEntityProblems(files: readonly Source[], manifest: typeof resourceManifest): string[] {
  const known = new Set<string>([
    ...manifest.serviceBus.queues.map((q) => q.name),
    ...manifest.serviceBus.topics.map((t: { name: string }) => t.name),
    ...manifest.cosmos.containers.map((c) => c.name),
    ...manifest.storage.blobContainers,
  ]);
  const pattern = /\b(?:queueName|topicName|containerName|collectionName)\s*:\s*'([^']+)'|\.(?:container|getContainerClient|createSender|createReceiver)\(\s*'([^']+)'/g;
  return files.flatMap((f) => [...f.text.matchAll(pattern)].map((m) => m[1] ?? m[2] ?? '').filter((name) => !known.has(name)).map((name) => `${f.path}: "${name}" is not in the resource manifest`));
}

/** Names of the Event Grid functions registered in functions/. */
function eventGridFunctions(files: readonly Source[]): string[] {
  return files.flatMap((f) => [...f.text.matchAll(/\bapp\.eventGrid\(\s*'([^']+)'/g)].map((m) => m[1] ?? ''));
}

const infra = (path: string): BicepFile => readBicep(join(infraDir, path));
const functionsDir = join(repoRoot, 'functions');

const expectations: readonly (LoopExpectation & { readonly file: string })[] = [
  { file: 'modules/serviceBus.bicep', type: 'Microsoft.ServiceBus/namespaces/queues', collection: 'resources.serviceBus.queues', body: ['name: $.name', 'properties: $.properties'] },
  { file: 'modules/serviceBus.bicep', type: 'Microsoft.ServiceBus/namespaces/topics', collection: 'resources.serviceBus.topics', body: ['name: $.name', 'properties: $.properties'] },
  {
    file: 'modules/cosmos.bicep',
    type: 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers',
    collection: 'resources.cosmos.containers',
    body: ['name: $.name', 'id: $.name', 'partitionKey: { paths: $.partitionKeyPaths', 'indexingPolicy: $.indexingPolicy', '$.defaultTtl == null ? {} : { defaultTtl: $.defaultTtl }'],
  },
  { file: 'modules/storage.bicep', type: 'Microsoft.Storage/storageAccounts/blobServices/containers', collection: 'resources.storage.blobContainers', body: ['name: $'] },
];

describe('infra: entities from the manifest', () => {
  for (const e of expectations) {
    it(`${e.file} creates every ${e.type.split('/').pop() ?? ''} in ${e.collection} with the manifest's properties`, () => {
      assert.deepEqual(loopProblems(infra(e.file), e), []);
    });
  }

  it('names the Cosmos database from the manifest, and every manifest path is infra/resources.json', () => {
    const cosmos = infra('modules/cosmos.bicep');
    const database = resources(cosmos.text).find((r) => r.type === 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases');
    assert.ok(database, 'no sqlDatabases resource');
    assert.equal(objectEntries(cosmos.text, database.body).find((x) => x.key === 'name')?.value, 'resources.cosmos.databaseName');
    assert.deepEqual(manifestPathProblems(infraBicepFiles()), []);
    for (const f of infraBicepFiles()) {
      const manifestVar = variable(f.text, 'resources');
      if (manifestVar) assert.match(manifestVar.value, /^loadJsonContent\('(\.\.\/)?resources\.json'\)$/, f.path);
    }
  });

  it('holds only entity properties that Bicep passes on and ARM knows', () => {
    assert.deepEqual(manifestShapeProblems(resourceManifest), []);
  });

  it("keeps host.json's Durable task hub the manifest's", () => {
    const host = JSON.parse(readFileSync(join(repoRoot, 'host.json'), 'utf8')) as { extensions?: { durableTask?: { hubName?: string } } };
    assert.equal(host.extensions?.durableTask?.hubName, resourceManifest.durableTask.hubName);
  });

  it("renews the distribute session's lock for hours, so a busy service's rounds never run two at a time", () => {
    // For a session trigger, maxAutoLockRenewalDuration bounds how long the session's lock is renewed;
    // a service whose messages never pause for a second keeps its session, and would lose it then.
    const host = JSON.parse(readFileSync(join(repoRoot, 'host.json'), 'utf8')) as { extensions?: { serviceBus?: { maxAutoLockRenewalDuration?: string } } };
    const renewal = readServiceBusHostSettings(host.extensions?.serviceBus).maxAutoLockRenewalDurationMs;
    assert.ok(renewal >= 3600_000, `maxAutoLockRenewalDuration is ${renewal} ms`);
    assert.ok(resourceManifest.serviceBus.queues.some((q) => q.name === 'distribute' && q.properties.requiresSession));
  });

  it('finds no entity name in functions/ or src/ that the manifest lacks', () => {
    assert.deepEqual(literalEntityProblems([...codeSources(functionsDir), ...codeSources(join(repoRoot, 'src'))], resourceManifest), []);
  });

  it('subscribes the manifest chat event types to the manifest function', () => {
    const subscription = infra('eventgrid-subscription.bicep');
    const text = squash(subscription.text);
    assert.match(text, /var acsChat = loadJsonContent\('resources\.json'\)\.eventGrid\.acsChat/);
    assert.match(text, /includedEventTypes: acsChat\.eventTypes/);
    assert.match(text, /endpointType: 'AzureFunction'/);
    assert.match(text, /resourceId: '\$\{functionApp\.id\}\/functions\/\$\{acsChat\.functionName\}'/);
    assert.ok(resourceManifest.eventGrid.acsChat.eventTypes.every((t) => t.startsWith('Microsoft.Communication.Chat')));
  });

  it('subscribes ACS chat events only to the Event Grid function the manifest names, once the app has it', () => {
    // The postdeploy hook is what keeps a subscription from pointing at a function that is not
    // deployed (Event Grid refuses that): it looks the manifest's function up and skips otherwise.
    const hook = readFileSync(join(repoRoot, 'infra', 'hooks', 'postdeploy.sh'), 'utf8');
    assert.match(hook, /require\('\.\/infra\/resources\.json'\)\.eventGrid\.acsChat\.functionName/);
    assert.match(hook, /if ! az functionapp function show [^\n]*\\\n\s*--function-name "\$function_name"[^\n]*; then\n[^\n]*\n\s*exit 0/);
    const registered = eventGridFunctions(codeSources(functionsDir));
    // Any Event Grid function the app registers must be the one the subscription delivers to.
    for (const name of registered) assert.equal(name, resourceManifest.eventGrid.acsChat.functionName);
  });

  it('catches a queue whose properties are written in Bicep instead of taken from the manifest', () => {
    const drifted: BicepFile = {
      path: 'drifted.bicep',
      text: `var resources = loadJsonContent('../resources.json')
resource queues 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = [
  for queue in resources.serviceBus.queues: {
    parent: namespace
    name: queue.name
    properties: { requiresSession: true, lockDuration: 'PT1M' }
  }
]`,
    };
    const [queues] = expectations;
    assert.ok(queues);
    assert.deepEqual(loopProblems(drifted, queues), ['drifted.bicep: Microsoft.ServiceBus/namespaces/queues does not take "properties: queue.properties" from the manifest']);
    const hardcoded: BicepFile = { path: 'hard.bicep', text: "resource q 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {\n  parent: ns\n  name: 'distribute'\n}" };
    assert.deepEqual(loopProblems(hardcoded, queues), ['hard.bicep: Microsoft.ServiceBus/namespaces/queues is not a loop over resources.serviceBus.queues']);
  });

  it('catches manifest properties Bicep would drop or ARM would refuse, and literal names not in the manifest', () => {
    const manifest: ManifestShape = {
      cosmos: { containers: [{ name: 'c', partitionKeyPaths: ['/id'], defaultTtl: null, indexingPolicy: {}, uniqueKeyPolicy: {} }] },
      serviceBus: { queues: [{ name: 'q', properties: { requiresSesion: true } }], topics: [{ name: 't', properties: {}, subscriptions: [] }] },
    };
    assert.deepEqual(manifestShapeProblems(manifest), [
      'queue q: "requiresSesion" is not an ARM queue property',
      'topic t: "subscriptions" is not passed to Bicep (only name and properties are)',
      'container c: "uniqueKeyPolicy" is not passed to Bicep',
    ]);
    const code = [{ path: 'functions/x.ts', text: "app.serviceBusQueue('x', { queueName: 'offers', connection: 'ServiceBusConnection', handler })" }];
    assert.deepEqual(literalEntityProblems(code, resourceManifest), ['functions/x.ts: "offers" is not in the resource manifest']);
    assert.deepEqual(eventGridFunctions([{ path: 'functions/acs.ts', text: "app.eventGrid('acsChatEvents', { handler })" }]), ['acsChatEvents']);
    assert.deepEqual(manifestPathProblems([{ path: 'infra/modules/x.bicep', text: "var r = loadJsonContent('resources.json')" }]), [
      'infra/modules/x.bicep: loadJsonContent path infra/modules/resources.json is not a file in infra/ (or not infra/resources.json)',
    ]);
  });
});
