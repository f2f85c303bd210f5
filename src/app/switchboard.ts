// Composition root: builds Switchboard's clients and use cases once per process from validated
// settings. Function entry points take what they need from here.
import type { Database } from '@azure/cosmos';
import type { ServiceBusClient } from '@azure/service-bus';
import type { BlobServiceClient } from '@azure/storage-blob';
import { loadSettings, type Settings } from '../config/settings';
import type { DependencyProbe } from '../health/checkHealth';
import { openServiceBus } from '../messaging/serviceBusClient';
import { serviceBusProbe } from '../messaging/serviceBusProbe';
import { blobProbe } from '../storage/blobProbe';
import { openBlobService } from '../storage/blobService';
import { openCosmosDatabase } from '../storage/cosmosDatabase';
import { cosmosProbe } from '../storage/cosmosProbe';

export interface Switchboard {
  readonly settings: Settings;
  readonly database: Database;
  readonly blobService: BlobServiceClient;
  readonly serviceBus: ServiceBusClient;
  readonly healthProbes: readonly DependencyProbe[];
}

let instance: Switchboard | undefined;

export function createSwitchboard(env: Readonly<Record<string, string | undefined>> = process.env): Switchboard {
  const settings = loadSettings(env);
  const database = openCosmosDatabase(settings.cosmos);
  const blobService = openBlobService(settings.storage);
  const serviceBus = openServiceBus(settings.serviceBus);
  return {
    settings,
    database,
    blobService,
    serviceBus,
    healthProbes: [cosmosProbe(database), blobProbe(blobService), serviceBusProbe(serviceBus)],
  };
}

/** The process-wide instance; the first call validates settings and throws a ConfigError naming any bad one. */
export function switchboard(): Switchboard {
  instance ??= createSwitchboard();
  return instance;
}
