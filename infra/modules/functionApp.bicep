// The Function App on the Flex Consumption plan (Node 20), running as the user-assigned identity.
// host.json ships with the code. Every connection is identity-based: no keys, no connection strings.
// The Twilio secrets are Key Vault references resolved with the same identity.
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param storageBlobEndpoint string
param deploymentContainerName string
param applicationInsightsConnectionString string
param cosmosEndpoint string
param serviceBusNamespace string
param eventsTopicEndpoint string
param keyVaultUri string
@description('Flex Consumption instance memory (MB): 512, 2048 or 4096.')
param instanceMemoryMB int
@description('Flex Consumption scale-out limit.')
param maximumInstanceCount int

var resources = loadJsonContent('../resources.json')

var appSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  CosmosDb__accountEndpoint: cosmosEndpoint
  CosmosDb__credential: 'managedidentity'
  CosmosDb__clientId: identityClientId
  ServiceBusConnection__fullyQualifiedNamespace: serviceBusNamespace
  ServiceBusConnection__credential: 'managedidentity'
  ServiceBusConnection__clientId: identityClientId
  SwitchboardEvents__topicEndpoint: eventsTopicEndpoint
  SwitchboardEvents__credential: 'managedidentity'
  SwitchboardEvents__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

var keyVaultReferenceSettings = toObject(
  resources.keyVaultSecrets,
  secret => secret.setting,
  secret => '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${secret.secretName})'
)

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: { minTlsVersion: '1.2' }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      scaleAndConcurrency: { instanceMemoryMB: instanceMemoryMB, maximumInstanceCount: maximumInstanceCount }
      runtime: { name: 'node', version: '20' }
    }
  }
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(appSettings, keyVaultReferenceSettings)
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
