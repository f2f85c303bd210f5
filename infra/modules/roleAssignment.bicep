// One Azure RBAC role for one principal, at the scope of the resource group it is deployed to.
// Bicep cannot scope an assignment to a resource given only its id, and Switchboard's resource
// group holds one resource of each kind, so the group is the narrowest scope one module can take.
@description('Object (principal) id of the identity that gets the role.')
param principalId string
@description('Built-in role definition id (a GUID), from resources.json roles.')
param roleDefinitionId string

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleDefinitionId)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)
  }
}
