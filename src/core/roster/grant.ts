import {
  COOP_ID_BYTES,
  DEVICE_DOMAIN,
  MAX_DEVICES_PER_OP,
  MAX_LABEL_BYTES,
  MAX_NAME_BYTES,
  NAME_DOMAIN,
  SIGNATURE_BYTES,
} from './constants.ts'
import { bytes, list, publicKey, record, role, signingBytes, text, type Role } from './codec.ts'
import { RosterSignatureError } from './errors.ts'
import { verifySignature, type Signer } from './keys.ts'

/** A device key certified for a member: the device proves it holds the key by signing. */
export interface DeviceCert {
  /** The device's Ed25519 public key: the key of its libp2p peer id. */
  key: Uint8Array
  /** What the member calls the device ("laptop", "phone"). */
  label: string
  /** Device signature over DEVICE_DOMAIN ‖ 0x00 ‖ [coop, member, key, label]. */
  proof: Uint8Array
}

/** A person entering the roster: their member key, role, signed display name and devices. */
export interface MemberGrant {
  key: Uint8Array
  role: Role
  name: string
  /** Member signature over NAME_DOMAIN ‖ 0x00 ‖ [coop, member, name]: nobody else names them. */
  nameSig: Uint8Array
  devices: DeviceCert[]
}

export function nameSigningBytes(coop: Uint8Array, member: Uint8Array, name: string): Uint8Array {
  return signingBytes(NAME_DOMAIN, [coop, member, name])
}

export function deviceSigningBytes(
  coop: Uint8Array,
  member: Uint8Array,
  key: Uint8Array,
  label: string,
): Uint8Array {
  return signingBytes(DEVICE_DOMAIN, [coop, member, key, label])
}

/** The device signs that it belongs to `member` in `coop`. */
export function certifyDevice(
  coop: Uint8Array,
  member: Uint8Array,
  device: Signer,
  label: string,
): DeviceCert {
  text(label, 0, MAX_LABEL_BYTES, 'device label')
  const proof = device.sign(deviceSigningBytes(coop, member, device.publicKey, label))
  return { key: device.publicKey, label, proof }
}

/** The member signs their own grant's name; the role is chosen by whoever signs the op. */
export function memberGrant(
  coop: Uint8Array,
  member: Signer,
  role: Role,
  name: string,
  devices: DeviceCert[],
): MemberGrant {
  text(name, 1, MAX_NAME_BYTES, 'member name')
  const nameSig = member.sign(nameSigningBytes(coop, member.publicKey, name))
  return { key: member.publicKey, role, name, nameSig, devices }
}

export function readDeviceCert(value: unknown, where: string): DeviceCert {
  const d = record(value, ['key', 'label', 'proof'], where)
  return {
    key: publicKey(d.key, `${where}.key`),
    label: text(d.label, 0, MAX_LABEL_BYTES, `${where}.label`),
    proof: bytes(d.proof, SIGNATURE_BYTES, `${where}.proof`),
  }
}

export function readGrant(value: unknown, where: string): MemberGrant {
  const g = record(value, ['key', 'role', 'name', 'nameSig', 'devices'], where)
  return {
    key: publicKey(g.key, `${where}.key`),
    role: role(g.role, `${where}.role`),
    name: text(g.name, 1, MAX_NAME_BYTES, `${where}.name`),
    nameSig: bytes(g.nameSig, SIGNATURE_BYTES, `${where}.nameSig`),
    devices: list(g.devices, 0, MAX_DEVICES_PER_OP, `${where}.devices`).map((d, i) =>
      readDeviceCert(d, `${where}.devices[${i}]`),
    ),
  }
}

export function verifyDeviceCert(coop: Uint8Array, member: Uint8Array, d: DeviceCert): void {
  if (!verifySignature(d.proof, deviceSigningBytes(coop, member, d.key, d.label), d.key)) {
    throw new RosterSignatureError('a device proof does not verify under the device key')
  }
}

/** Checks the name claim and every device proof of a grant. */
export function verifyGrant(coop: Uint8Array, g: MemberGrant): void {
  bytes(coop, COOP_ID_BYTES, 'coop')
  if (!verifySignature(g.nameSig, nameSigningBytes(coop, g.key, g.name), g.key)) {
    throw new RosterSignatureError('the member name is not signed by the member key')
  }
  for (const d of g.devices) verifyDeviceCert(coop, g.key, d)
}
