export * from './constants.ts'
export * from './errors.ts'
export { checkCoopSecret, deriveCoopKeys, newCoopSecret, type CoopKeys } from './keys.ts'
export {
  decodeAnnouncement,
  encodeAnnouncement,
  openAnnouncement,
  sealAnnouncement,
  type Announcement,
} from './announcement.ts'
export {
  decodeChallenge,
  decodeHello,
  decodeProof,
  decodeVerdict,
  encodeChallenge,
  encodeHello,
  encodeProof,
  encodeVerdict,
  memberProof,
  verifyMemberProof,
  type HandshakeRole,
  type ProofInput,
} from './handshake.ts'
