// Health probe: the storage account's Blob service answers.
import type { BlobServiceClient } from '@azure/storage-blob';
import type { DependencyProbe } from '../health/checkHealth';
import { resourceManifest } from '../config/resourceManifest';

export function blobProbe(blobService: BlobServiceClient): DependencyProbe {
  const [container] = resourceManifest.storage.blobContainers;
  return {
    name: 'storage',
    async check(abortSignal) {
      await blobService.getContainerClient(container).getProperties({ abortSignal });
    },
  };
}
