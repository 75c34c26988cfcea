// A council's parameters for `az deployment group create --template-file infra/main.bicep
// --parameters infra/main.bicepparam` (docs/deployment.md, section 10). Copy it per council and
// environment (e.g. infra/mvale.prod.bicepparam) and change the names. Secrets are read from
// the environment of the person deploying, never written here.
using './main.bicep'

param councilShortName = 'mvale'
param environmentName = 'prod'
param location = 'uksouth'
param botDisplayName = 'Member Enquiries'

// Empty on the first pass; then <registry>.azurecr.io/member-enquiries:<version>
param containerImage = readEnvironmentVariable('CONTAINER_IMAGE', '')

param postgresAdministratorLogin = 'memberportal'
param postgresAdministratorPassword = readEnvironmentVariable('POSTGRES_ADMIN_PASSWORD')
param postgresServerName = ''  // after a point-in-time restore: the restored server's name
param postgresSkuName = 'Standard_B1ms'
param postgresTier = 'Burstable'
param postgresBackupRetentionDays = 35
param postgresGeoRedundantBackup = 'Enabled'

// The council's own files, once stored in Key Vault (false: the demo council, a trial only)
param councilConfigInKeyVault = false
param entraGroupsInKeyVault = false
// The council's administrators' group (object id): may set and rotate Key Vault's secrets
param keyVaultSecretsOfficerPrincipalId = readEnvironmentVariable('KEY_VAULT_SECRETS_OFFICER', '')

// Microsoft Graph: all three, or none
param graphTenantId = readEnvironmentVariable('GRAPH_TENANT_ID', '')
param graphClientId = readEnvironmentVariable('GRAPH_CLIENT_ID', '')
param graphClientSecret = readEnvironmentVariable('GRAPH_CLIENT_SECRET', '')

param botMaxReplicas = 2
param logRetentionDays = 90
param vnetAddressPrefix = '10.40.0.0/16'
