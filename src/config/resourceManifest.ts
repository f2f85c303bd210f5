// Every Azure resource name and shape Switchboard's code relies on, written once. It is emitted as
// infra/resources.json, which Bicep reads with loadJsonContent and devhost reads to provision its
// emulators; tests fail when the code, this manifest, the JSON or the Bicep drift apart.

export interface CompositeIndexPath {
  readonly path: string;
  readonly order: 'ascending' | 'descending';
}

export interface CosmosContainerManifest {
  readonly name: string;
  readonly partitionKeyPaths: readonly string[];
  /** Seconds; -1 turns TTL on without a default (items set `ttl`), null leaves it off. */
  readonly defaultTtl: number | null;
  readonly indexingPolicy: {
    readonly indexingMode: 'consistent';
    readonly automatic: true;
    readonly includedPaths: readonly { readonly path: string }[];
    readonly excludedPaths: readonly { readonly path: string }[];
    readonly compositeIndexes: readonly (readonly CompositeIndexPath[])[];
  };
}

/** Service Bus entity properties in ARM's names (Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview). */
export interface ServiceBusQueueProperties {
  readonly requiresSession: boolean;
  readonly lockDuration: string;
  readonly maxDeliveryCount: number;
  readonly requiresDuplicateDetection: boolean;
  readonly duplicateDetectionHistoryTimeWindow: string;
  readonly deadLetteringOnMessageExpiration: boolean;
  readonly defaultMessageTimeToLive: string;
}

export interface ServiceBusQueueManifest {
  readonly name: string;
  readonly properties: ServiceBusQueueProperties;
}

const defaultIndexing = {
  indexingMode: 'consistent',
  automatic: true,
  includedPaths: [{ path: '/*' }],
  excludedPaths: [{ path: '/"_etag"/?' }],
  compositeIndexes: [],
} as const;

function container(name: string, partitionKeyPath: string, options: { defaultTtl?: number | null; compositeIndexes?: CompositeIndexPath[][]; excludedPaths?: string[] } = {}): CosmosContainerManifest {
  return {
    name,
    partitionKeyPaths: [partitionKeyPath],
    defaultTtl: options.defaultTtl ?? null,
    indexingPolicy: {
      ...defaultIndexing,
      excludedPaths: [...defaultIndexing.excludedPaths, ...(options.excludedPaths ?? []).map((path) => ({ path }))],
      compositeIndexes: options.compositeIndexes ?? [],
    },
  };
}

const sessionQueue = (name: string, lockDuration: string): ServiceBusQueueManifest => ({
  name,
  properties: {
    requiresSession: true,
    lockDuration,
    maxDeliveryCount: 10,
    requiresDuplicateDetection: true,
    duplicateDetectionHistoryTimeWindow: 'PT10M',
    deadLetteringOnMessageExpiration: true,
    defaultMessageTimeToLive: 'P14D',
  },
});

const plainQueue = (name: string, lockDuration: string): ServiceBusQueueManifest => ({
  name,
  properties: { ...sessionQueue(name, lockDuration).properties, requiresSession: false },
});

export const resourceManifest = {
  cosmos: {
    databaseName: 'switchboard',
    containers: [
      container('services', '/id'),
      container('agents', '/id'),
      container('tasks', '/id', { excludedPaths: ['/parameters/*'] }),
      // The waiting queue, one partition per service: its head is the first item in this order.
      container('queue', '/serviceId', {
        compositeIndexes: [
          [
            { path: '/priority', order: 'descending' },
            { path: '/enqueueOrder', order: 'ascending' },
          ],
        ],
      }),
      container('conversations', '/conversationId', { excludedPaths: ['/text/?'] }),
      container('workflows', '/id'),
      container('calendars', '/id'),
      container('events', '/recipient', { defaultTtl: 7 * 24 * 3600 }),
      container('sessions', '/serviceId'),
      container('dedupe', '/id', { defaultTtl: 24 * 3600 }),
    ],
  },
  serviceBus: {
    queues: [sessionQueue('distribute', 'PT30S'), plainQueue('timeouts', 'PT30S')],
    topics: [],
  },
  storage: {
    blobContainers: ['attachments'],
  },
  durableTask: {
    hubName: 'switchboard',
  },
} as const;

export type ResourceManifest = typeof resourceManifest;
export type CosmosContainerName = ResourceManifest['cosmos']['containers'][number]['name'];
export type ServiceBusQueueName = ResourceManifest['serviceBus']['queues'][number]['name'];
