// Everything Switchboard runs on, in one resource group: `azd up`, or
// `az deployment sub create -l <location> -f infra/main.bicep -p environmentName=<name> location=<location>`.
// Queue, container, blob container, event type, secret and role names come from resources.json,
// which `npm run build` emits from src/config/resourceManifest.ts.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Environment name; it names the resource group and seeds every resource name.')
param environmentName string

@minLength(1)
@description('Region for every regional resource (it must offer Flex Consumption).')
@metadata({ azd: { type: 'location' } })
param location string

@allowed(['serverless', 'provisioned'])
@description('Cosmos DB capacity mode: serverless (pay per request) or provisioned autoscale throughput.')
param cosmosThroughputMode string = 'serverless'

@minValue(1000)
@description('Autoscale maximum RU/s shared by the database, when cosmosThroughputMode is provisioned.')
param cosmosAutoscaleMaxThroughput int = 1000

@description('Where Azure Communication Services keeps chat data at rest, e.g. United States, Europe, UK.')
param acsDataLocation string = 'United States'

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@secure()
@description('Channel secret values by Key Vault secret name (twilio-account-sid, twilio-auth-token); empty ones are skipped.')
param channelSecrets object = {}

var abbrs = loadJsonContent('abbreviations.json')
var resources = loadJsonContent('resources.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = '${abbrs.webSitesFunctions}${resourceToken}'
var deploymentContainerName = 'app-package-${resourceToken}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module serviceBus 'modules/serviceBus.bicep' = {
  name: 'serviceBus'
  scope: rg
  params: {
    name: '${abbrs.serviceBusNamespaces}${resourceToken}'
    location: location
    tags: tags
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    name: '${abbrs.documentDBDatabaseAccounts}${resourceToken}'
    location: location
    tags: tags
    throughputMode: cosmosThroughputMode
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    principalId: identity.outputs.principalId
  }
}

module communication 'modules/communication.bicep' = {
  name: 'communication'
  scope: rg
  params: {
    name: '${abbrs.communicationServices}${resourceToken}'
    systemTopicName: '${abbrs.eventGridSystemTopics}acs-${resourceToken}'
    dataLocation: acsDataLocation
    tags: tags
  }
}

module eventsTopic 'modules/eventGridTopic.bicep' = {
  name: 'eventsTopic'
  scope: rg
  params: {
    name: '${abbrs.eventGridTopics}${resourceToken}'
    location: location
    tags: tags
  }
}

module keyVault 'modules/keyVault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    secretValues: channelSecrets
  }
}

// Azure RBAC roles from resources.json (the Cosmos DB data-plane role is assigned in cosmos.bicep).
var azureRoles = filter(resources.roles, candidate => candidate.plane == 'azure')

module roleAssignments 'modules/roleAssignment.bicep' = [
  for role in azureRoles: {
    name: 'role-${role.roleDefinitionId}'
    scope: rg
    params: {
      principalId: identity.outputs.principalId
      roleDefinitionId: role.roleDefinitionId
    }
  }
]

module functionApp 'modules/functionApp.bicep' = {
  name: 'functionApp'
  scope: rg
  dependsOn: [roleAssignments]
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    cosmosEndpoint: cosmos.outputs.endpoint
    serviceBusNamespace: serviceBus.outputs.fullyQualifiedNamespace
    eventsTopicEndpoint: eventsTopic.outputs.endpoint
    keyVaultUri: keyVault.outputs.uri
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output SERVICE_BUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output EVENT_GRID_TOPIC_ENDPOINT string = eventsTopic.outputs.endpoint
output ACS_EVENT_GRID_SYSTEM_TOPIC_NAME string = communication.outputs.systemTopicName
output KEY_VAULT_NAME string = keyVault.outputs.name
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
