import { DEFAULT_POLICY } from './constants.ts'
import type { Policy } from './codec.ts'
import { certifyDevice, memberGrant } from './grant.ts'
import { issueInvite, type Invite } from './invite.ts'
import { coopIdFromKey, generateSigner, type Signer } from './keys.ts'
import { signOp, type RosterOp } from './op.ts'

export interface CreateCoopInit {
  founderName: string
  /** The founder's device: in a tab, its libp2p Ed25519 key (see ed25519Signer). */
  device: Signer
  deviceLabel: string
  time: number
  policy?: Policy
}

export interface CreatedCoop {
  coop: Uint8Array
  /** The co-op key's seed: signs nothing after creation; keep it offline as proof of origin. */
  coopSecretKey: Uint8Array
  /** The founder's member key seed: the founder's devices share it to sign admin ops. */
  memberSecretKey: Uint8Array
  member: Signer
  op: RosterOp
}

/** A new co-op: a co-op key pair, a founder member key, and the create op making them admin. */
export function createCoop(init: CreateCoopInit): CreatedCoop {
  const coopKey = generateSigner()
  const memberKey = generateSigner()
  const coop = coopIdFromKey(coopKey.signer.publicKey)
  const device = certifyDevice(coop, memberKey.signer.publicKey, init.device, init.deviceLabel)
  const op = signOp({
    coop,
    parents: [],
    author: coopKey.signer,
    time: init.time,
    body: {
      kind: 'create',
      policy: init.policy ?? { ...DEFAULT_POLICY },
      founder: memberGrant(coop, memberKey.signer, 'admin', init.founderName, [device]),
    },
  })
  return {
    coop,
    coopSecretKey: coopKey.secretKey,
    memberSecretKey: memberKey.secretKey,
    member: memberKey.signer,
    op,
  }
}

export interface MigrateCoopInit extends CreateCoopInit {
  /** Peers that hold shards under today's open co-op: each is offered a member invite. */
  holders: number
  /** How long the offer stays open. */
  offerMs: number
}

/**
 * Brings a co-op made before rosters existed under one: the device running the migration (the
 * founder's) becomes the first admin, and one invite with a use per existing holder is issued
 * for the app to hand to them over the old, still-open discovery topic.
 */
export function migrateCoop(init: MigrateCoopInit): CreatedCoop & { offer: Invite | null } {
  const created = createCoop(init)
  const offer =
    init.holders < 1
      ? null
      : issueInvite({
          coop: created.coop,
          issuer: created.member,
          role: 'member',
          heads: [created.op.id],
          created: init.time,
          expires: init.time + init.offerMs,
          maxUses: init.holders,
        })
  return { ...created, offer }
}
