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
  eventGrid: {
    // ACS chat events, thread-level only (one event per thread, not one per participant), delivered
    // by the subscription in infra/eventgrid-subscription.bicep to this Event Grid function.
    acsChat: {
      functionName: 'acsChatEvents',
      eventTypes: [
        'Microsoft.Communication.ChatThreadCreated',
        'Microsoft.Communication.ChatMessageReceivedInThread',
        'Microsoft.Communication.ChatMessageEditedInThread',
        'Microsoft.Communication.ChatMessageDeletedInThread',
        'Microsoft.Communication.ChatThreadParticipantAdded',
        'Microsoft.Communication.ChatThreadParticipantRemoved',
        'Microsoft.Communication.ChatThreadDeleted',
      ],
    },
    // Switchboard's own domain events: a custom topic, reached through the identity-based
    // connection `<connection>__topicEndpoint` / `__credential` / `__clientId`.
    switchboardEvents: {
      connection: 'SwitchboardEvents',
      inputSchema: 'CloudEventSchemaV1_0',
    },
  },
  /** App settings whose values are Key Vault references (`@Microsoft.KeyVault(SecretUri=...)`). */
  keyVaultSecrets: [
    { setting: 'TWILIO_ACCOUNT_SID', secretName: 'twilio-account-sid' },
    { setting: 'TWILIO_AUTH_TOKEN', secretName: 'twilio-auth-token' },
  ],
  /**
   * What the app's identity does, and the built-in role that allows it. `azure` roles are Azure RBAC
   * role definitions; `cosmos` roles are Cosmos DB data-plane role definitions (sqlRoleAssignments).
   */
  roles: [
    { operation: 'Functions host storage, Durable task hub blobs, chat attachments', plane: 'azure', roleName: 'Storage Blob Data Owner', roleDefinitionId: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' },
    { operation: 'Durable task hub control and work-item queues', plane: 'azure', roleName: 'Storage Queue Data Contributor', roleDefinitionId: '974c5e8b-45b9-4653-ba55-5f855dd0fb88' },
    { operation: 'Durable task hub history and instances tables', plane: 'azure', roleName: 'Storage Table Data Contributor', roleDefinitionId: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' },
    { operation: 'Service Bus send, receive, sessions and trigger scaling (queue runtime properties)', plane: 'azure', roleName: 'Azure Service Bus Data Owner', roleDefinitionId: '090c5cfd-751d-490a-894a-3ce6f1109419' },
    { operation: 'Publish Switchboard events to the custom topic', plane: 'azure', roleName: 'EventGrid Data Sender', roleDefinitionId: 'd5a91429-5739-47e2-a06b-3470a27159e7' },
    { operation: 'Resolve Key Vault references in app settings', plane: 'azure', roleName: 'Key Vault Secrets User', roleDefinitionId: '4633458b-17de-408a-b874-0445c86b69e6' },
    { operation: 'Send telemetry to Application Insights with Entra ID auth', plane: 'azure', roleName: 'Monitoring Metrics Publisher', roleDefinitionId: '3913510d-42f4-4e42-8a64-420c390055eb' },
    { operation: 'Read and write Cosmos DB items', plane: 'cosmos', roleName: 'Cosmos DB Built-in Data Contributor', roleDefinitionId: '00000000-0000-0000-0000-000000000002' },
  ],
} as const;

export type ResourceManifest = typeof resourceManifest;
export type CosmosContainerName = ResourceManifest['cosmos']['containers'][number]['name'];
export type ServiceBusQueueName = ResourceManifest['serviceBus']['queues'][number]['name'];
