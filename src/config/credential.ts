// The Azure credential an identity-based connection setting asks for.
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { Credential } from './settings';

export function toTokenCredential(credential: Credential): TokenCredential {
  if (credential.kind === 'managedIdentity') {
    return credential.clientId ? new ManagedIdentityCredential({ clientId: credential.clientId }) : new ManagedIdentityCredential();
  }
  return new DefaultAzureCredential();
}
