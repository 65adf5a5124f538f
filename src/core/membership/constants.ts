/** A co-op secret: 32 random bytes made at creation, carried only by invite links. */
export const COOP_SECRET_BYTES = 32

/**
 * HKDF-SHA256 salt and labels (docs/FORMAT.md "Co-op secret"). One secret, three keys that
 * never meet: knowing the topic tells nothing about the sealing or membership keys.
 */
export const HKDF_SALT = 'coffer/coop-secret/v1'
export const LABEL_DISCOVERY_TOPIC = 'coffer/discovery-topic/v1'
export const LABEL_ANNOUNCE_KEY = 'coffer/announce-key/v1'
export const LABEL_MEMBER_KEY = 'coffer/member-key/v1'
export const DERIVED_KEY_BYTES = 32

/** Sealed announcement: version byte, 12-byte AES-GCM nonce, ciphertext with its 16-byte tag. */
export const SEALED_VERSION = 1
export const SEAL_NONCE_BYTES = 12
export const SEAL_TAG_BYTES = 16
/** Bound to the version byte, so a future layout cannot be opened as this one. */
export const SEAL_AAD = 'coffer/announce/v1'
/** Announcement plaintext: a peer ID and a few addresses; far below this. */
export const MAX_ANNOUNCEMENT_BYTES = 2048
export const MAX_SEALED_BYTES = 1 + SEAL_NONCE_BYTES + MAX_ANNOUNCEMENT_BYTES + SEAL_TAG_BYTES
export const ANNOUNCEMENT_VERSION = 1
/** A libp2p peer ID multihash (Ed25519 identity: 38 bytes) fits well within this. */
export const MAX_PEER_ID_BYTES = 64
export const MAX_ANNOUNCED_ADDRS = 8
export const MAX_ADDR_BYTES = 255

/** Membership handshake (`/coffer/member/1.0.0`). */
export const HANDSHAKE_VERSION = 1
export const HANDSHAKE_NONCE_BYTES = 32
export const PROOF_BYTES = 32
export const PROOF_CONTEXT = 'coffer-member'
/** Role bytes in the proof input: each side proves for its own role, so a proof cannot be echoed. */
export const ROLE_DIALER = 0x44
export const ROLE_LISTENER = 0x4c
/** Largest handshake message body; the biggest (challenge) is 65 bytes. */
export const MAX_HANDSHAKE_MESSAGE_BYTES = 128
