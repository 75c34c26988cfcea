// The virtual network: a subnet for the Container Apps environment and one for PostgreSQL
// Flexible Server (each delegated to its service), and PostgreSQL's private DNS zone linked to
// the network, so the apps reach the database by name and the database has no public address.

@description('The virtual network\'s name.')
param name string

@description('The Azure region.')
param location string

@description('The address space; the two subnets are its first /23 and the /24 after it.')
param addressPrefix string

@description('PostgreSQL\'s private DNS zone, ending in .postgres.database.azure.com.')
param postgresDnsZoneName string

@description('Tags for every resource.')
param tags object

module vnet 'br/public:avm/res/network/virtual-network:0.10.1' = {
  name: 'virtual-network'
  params: {
    name: name
    location: location
    tags: tags
    addressPrefixes: [
      addressPrefix
    ]
    subnets: [
      {
        // Container Apps with workload profiles: at least a /27, delegated
        name: 'snet-apps'
        addressPrefix: cidrSubnet(addressPrefix, 23, 0)
        delegation: 'Microsoft.App/environments'
      }
      {
        name: 'snet-postgres'
        addressPrefix: cidrSubnet(addressPrefix, 24, 2)
        delegation: 'Microsoft.DBforPostgreSQL/flexibleServers'
      }
    ]
  }
}

module postgresDnsZone 'br/public:avm/res/network/private-dns-zone:0.8.1' = {
  name: 'postgres-private-dns-zone'
  params: {
    name: postgresDnsZoneName
    tags: tags
    virtualNetworkLinks: [
      {
        virtualNetworkResourceId: vnet.outputs.resourceId
        registrationEnabled: false
      }
    ]
  }
}

output appsSubnetId string = vnet.outputs.subnetResourceIds[0]
output postgresSubnetId string = vnet.outputs.subnetResourceIds[1]
output postgresDnsZoneId string = postgresDnsZone.outputs.resourceId
