// Key Vault (RBAC authorization) for the channel secrets named in resources.json. A secret is
// written only when its value is given; otherwise set it later with `az keyvault secret set`.
param name string
param location string
param tags object
@secure()
@description('Secret values by secret name (resources.json keyVaultSecrets[].secretName).')
param secretValues object

var resources = loadJsonContent('../resources.json')

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource secrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [
  for secret in resources.keyVaultSecrets: if (!empty(secretValues[?secret.secretName] ?? '')) {
    parent: vault
    name: secret.secretName
    properties: { value: secretValues[?secret.secretName] ?? '' }
  }
]

output uri string = vault.properties.vaultUri
output name string = vault.name
