// The Blob service (chat attachments) from the AzureWebJobsStorage setting.
import { BlobServiceClient } from '@azure/storage-blob';
import { toTokenCredential } from '../config/credential';
import type { StorageConnection } from '../config/settings';

export function openBlobService(connection: StorageConnection): BlobServiceClient {
  return connection.kind === 'connectionString'
    ? BlobServiceClient.fromConnectionString(connection.connectionString)
    : new BlobServiceClient(connection.blobServiceUri, toTokenCredential(connection.credential));
}
