// Cosmos DB for NoSQL: the database and every container in resources.json (partition keys,
// indexing policies with composite indexes, TTL), key auth off, and the data-plane roles in
// resources.json granted to the app's identity.
param name string
param location string
param tags object
@allowed(['serverless', 'provisioned'])
param throughputMode string
@description('Autoscale maximum RU/s shared by all containers; used when throughputMode is provisioned.')
param autoscaleMaxThroughput int
param principalId string

var resources = loadJsonContent('../resources.json')
var serverless = throughputMode == 'serverless'
var dataRoles = filter(resources.roles, candidate => candidate.plane == 'cosmos')

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [{ locationName: location, failoverPriority: 0, isZoneRedundant: false }]
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    capabilities: serverless ? [{ name: 'EnableServerless' }] : []
    disableLocalAuth: true
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: account
  name: resources.cosmos.databaseName
  properties: {
    resource: { id: resources.cosmos.databaseName }
    options: serverless ? {} : { autoscaleSettings: { maxThroughput: autoscaleMaxThroughput } }
  }
}

resource containers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = [
  for container in resources.cosmos.containers: {
    parent: database
    name: container.name
    properties: {
      resource: union(
        {
          id: container.name
          partitionKey: { paths: container.partitionKeyPaths, kind: 'Hash' }
          indexingPolicy: container.indexingPolicy
        },
        container.defaultTtl == null ? {} : { defaultTtl: container.defaultTtl }
      )
    }
  }
]

resource dataRoleAssignments 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = [
  for role in dataRoles: {
    parent: account
    name: guid(account.id, principalId, role.roleDefinitionId)
    properties: {
      principalId: principalId
      roleDefinitionId: '${account.id}/sqlRoleDefinitions/${role.roleDefinitionId}'
      scope: account.id
    }
  }
]

output endpoint string = account.properties.documentEndpoint
