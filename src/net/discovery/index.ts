export { sealedDiscovery, SealedDiscovery, type SealedDiscoveryInit } from './sealed-discovery.ts'
export { AnnouncedPeerError } from './errors.ts'
