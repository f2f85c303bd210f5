import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { resourceManifest } from '../../../src/config/resourceManifest';
import { renderResourcesJson, resourcesJsonPath } from '../../../src/config/writeResourcesJson';

describe('resource manifest', () => {
  it('infra/resources.json is the manifest as emitted (run npm run build after changing it)', () => {
    assert.equal(readFileSync(resourcesJsonPath, 'utf8'), renderResourcesJson());
  });

  it('names every container and queue once', () => {
    const containers = resourceManifest.cosmos.containers.map((c) => c.name);
    assert.equal(new Set(containers).size, containers.length);
    const queues = resourceManifest.serviceBus.queues.map((q) => q.name);
    assert.equal(new Set(queues).size, queues.length);
  });

  it('keeps the waiting queue partitioned by service with the composite index its head query needs', () => {
    const queue = resourceManifest.cosmos.containers.find((c) => c.name === 'queue');
    assert.deepEqual(queue?.partitionKeyPaths, ['/serviceId']);
    assert.deepEqual(queue?.indexingPolicy.compositeIndexes, [
      [
        { path: '/priority', order: 'descending' },
        { path: '/enqueueOrder', order: 'ascending' },
      ],
    ]);
  });
});
