// Storage for the Functions host, the Durable task hub (it creates its own queues and tables) and
// the blob containers in resources.json, plus the container Flex Consumption deploys the app from.
// Shared-key access is off: everything goes through the app's identity.
param name string
param location string
param tags object
param deploymentContainerName string

var resources = loadJsonContent('../resources.json')

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [
  for containerName in union(resources.storage.blobContainers, [deploymentContainerName]): {
    parent: blobService
    name: containerName
    properties: { publicAccess: 'None' }
  }
]

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
