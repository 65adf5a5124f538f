// The co-op membership core: pure, Uint8Array in and out. Formats: docs/FORMAT.md "## Roster";
// rules and threat model: docs/MEMBERSHIP.md.
export * from './constants.ts'
export * from './errors.ts'
export { ROLES, type Policy, type Role } from './codec.ts'
export {
  ed25519Signer,
  generateSigner,
  verifySignature,
  coopIdFromKey,
  formatCoopId,
  parseCoopId,
  peerIdFromDeviceKey,
  deviceKeyFromPeerId,
  type Signer,
} from './keys.ts'
export { certifyDevice, memberGrant, type DeviceCert, type MemberGrant } from './grant.ts'
export {
  issueInvite,
  decodeInvite,
  formatInvite,
  parseInvite,
  checkInvite,
  type Invite,
  type IssueInviteInit,
} from './invite.ts'
export { signOp, decodeOp, type OpBody, type OpKind, type RosterOp, type SignOpInit } from './op.ts'
export {
  applyOps,
  type Device,
  type Member,
  type Rejection,
  type InviteUses,
  type RosterState,
} from './apply-ops.ts'
export { Roster, memberOfPeer, memberByKey, checkOpTime, type RosterInit } from './roster.ts'
export { acceptInvite, checkInviteUsable, type AcceptInviteInit } from './accept-invite.ts'
export {
  createCoop,
  migrateCoop,
  type CreateCoopInit,
  type CreatedCoop,
  type MigrateCoopInit,
} from './create-coop.ts'
