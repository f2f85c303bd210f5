// The resources an app declares for devhost to create in its emulators (devhost.json "resources"):
// Cosmos databases and containers, blob containers and Service Bus entities, in the shapes Azure
// uses (Cosmos REST / ARM property names), so the same file can feed Bicep.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CosmosClient } from '@azure/cosmos';
import { BlobServiceClient } from '@azure/storage-blob';
import { z } from 'zod';

const compositePath = z.object({ path: z.string(), order: z.enum(['ascending', 'descending']) });

const resourcesSchema = z.object({
  cosmos: z
    .object({
      databaseName: z.string().min(1),
      containers: z.array(
        z.object({
          name: z.string().min(1),
          partitionKeyPaths: z.array(z.string().startsWith('/')).min(1),
          defaultTtl: z.number().int().nullable().optional(),
          indexingPolicy: z
            .object({
              indexingMode: z.enum(['consistent', 'none']).optional(),
              automatic: z.boolean().optional(),
              includedPaths: z.array(z.object({ path: z.string() })).optional(),
              excludedPaths: z.array(z.object({ path: z.string() })).optional(),
              compositeIndexes: z.array(z.array(compositePath)).optional(),
            })
            .optional(),
        }),
      ),
    })
    .optional(),
  serviceBus: z
    .object({
      queues: z.array(z.object({ name: z.string().min(1), properties: z.record(z.string(), z.unknown()).default({}) })).default([]),
      topics: z
        .array(
          z.object({
            name: z.string().min(1),
            properties: z.record(z.string(), z.unknown()).default({}),
            subscriptions: z.array(z.object({ name: z.string().min(1), properties: z.record(z.string(), z.unknown()).default({}), rules: z.array(z.record(z.string(), z.unknown())).default([]) })).default([]),
          }),
        )
        .default([]),
    })
    .optional(),
  storage: z.object({ blobContainers: z.array(z.string().min(3)).default([]) }).optional(),
});

export type DevhostResources = z.infer<typeof resourcesSchema>;

export function readResources(appDir: string, file: string): DevhostResources {
  const path = resolve(appDir, file);
  const result = resourcesSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`${path}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`);
  }
  return result.data;
}

export const azuriteAccount = {
  name: 'devstoreaccount1',
  key: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
};

export function azuriteConnectionString(ports: { blob: number; queue: number; table: number }): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${azuriteAccount.name};AccountKey=${azuriteAccount.key};` +
    `BlobEndpoint=http://127.0.0.1:${ports.blob}/${azuriteAccount.name};QueueEndpoint=http://127.0.0.1:${ports.queue}/${azuriteAccount.name};` +
    `TableEndpoint=http://127.0.0.1:${ports.table}/${azuriteAccount.name};`
  );
}

export async function provisionCosmos(resources: NonNullable<DevhostResources['cosmos']>, endpoint: string, key: string): Promise<void> {
  const client = new CosmosClient({ endpoint, key });
  try {
    const { database } = await client.databases.createIfNotExists({ id: resources.databaseName });
    for (const container of resources.containers) {
      await database.containers.createIfNotExists({
        id: container.name,
        partitionKey: { paths: container.partitionKeyPaths },
        ...(container.indexingPolicy ? { indexingPolicy: container.indexingPolicy } : {}),
        ...(container.defaultTtl !== null && container.defaultTtl !== undefined ? { defaultTtl: container.defaultTtl } : {}),
      });
    }
  } finally {
    client.dispose();
  }
}

export async function provisionBlobContainers(containers: readonly string[], connectionString: string): Promise<void> {
  const service = BlobServiceClient.fromConnectionString(connectionString);
  for (const name of containers) await service.getContainerClient(name).createIfNotExists();
}

/** ARM property names (camelCase) to the Service Bus emulator's Config.json names (PascalCase). */
export function toEmulatorProperties(properties: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), v]));
}
