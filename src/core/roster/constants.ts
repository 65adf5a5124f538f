// Every limit of the roster formats; docs/FORMAT.md "## Roster" quotes these numbers.

export const ROSTER_VERSION = 1
/** Domain strings: prefixed to every signed body so one signature can never serve two purposes. */
export const OP_DOMAIN = 'coffer/roster-op/1'
export const INVITE_DOMAIN = 'coffer/invite/1'
export const NAME_DOMAIN = 'coffer/member-name/1'
export const DEVICE_DOMAIN = 'coffer/device-proof/1'

export const PUBLIC_KEY_BYTES = 32
export const SECRET_KEY_BYTES = 32
export const SIGNATURE_BYTES = 64
export const OP_ID_BYTES = 32
export const INVITE_ID_BYTES = 16
/** sha2-256 multihash of the co-op public key: 0x12 0x20 ‖ digest. */
export const COOP_ID_BYTES = 34

/** One encoded operation, everything included; an add-member with its devices fits easily. */
export const MAX_OP_BYTES = 4096
/** An encoded invite token (it travels inside a URL fragment and inside an add-member op). */
export const MAX_INVITE_BYTES = 1024
/** Heads an op or invite may name; more than this many concurrent branches is abuse. */
export const MAX_PARENTS = 16
/** Devices certified in one add-member op, and devices one member may hold at most. */
export const MAX_DEVICES_PER_OP = 4
export const MAX_DEVICES_LIMIT = 64
export const MAX_NAME_BYTES = 64
export const MAX_LABEL_BYTES = 64
/** Invite uses and the secret epoch stay far below 2^53. */
export const MAX_INVITE_USES = 1000
export const MAX_EPOCH = 2 ** 32
/** Operations one roster holds before it refuses more (bounds memory and the ancestry bitsets). */
export const MAX_ROSTER_OPS = 20_000
/** How far in the future an op's claimed time may be when a peer first receives it. */
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60_000

export const DEFAULT_POLICY = { membersInvite: false, maxDevices: 8 } as const
