import { hex, ROLE_RANK } from './codec.ts'
import type { RosterState } from './apply-ops.ts'
import {
  InviteExpiredError,
  InviteIssuerError,
  InviteRevokedError,
  InviteUsedUpError,
} from './errors.ts'
import { certifyDevice, memberGrant } from './grant.ts'
import { checkInvite, type Invite } from './invite.ts'
import type { Signer } from './keys.ts'
import { signOp, type RosterOp } from './op.ts'

export interface AcceptInviteInit {
  invite: Invite
  /** The joiner's new member key. */
  member: Signer
  name: string
  /** The joining device (its libp2p key) and what to call it. */
  device: Signer
  deviceLabel: string
  /** Now, in milliseconds since the Unix epoch. */
  time: number
}

/**
 * The joiner's add-member op: self-signed, carrying the invite as its proof and the first device,
 * parented on the heads the invite names, so any member can check and apply it with every admin
 * offline. Throws InviteExpiredError / InviteSignatureError on what the joiner can check alone.
 */
export function acceptInvite(init: AcceptInviteInit): RosterOp {
  const { invite, member } = init
  checkInvite(invite, invite.coop, init.time)
  const device = certifyDevice(invite.coop, member.publicKey, init.device, init.deviceLabel)
  return signOp({
    coop: invite.coop,
    parents: invite.heads,
    author: member,
    time: Math.max(init.time, invite.created),
    body: {
      kind: 'add-member',
      grant: memberGrant(invite.coop, member, invite.role, init.name, [device]),
      invite,
    },
  })
}

/**
 * What a member answering a join asks of its current roster, so that a refusal names its cause:
 * InviteSignatureError, InviteExpiredError, InviteRevokedError, InviteUsedUpError or
 * InviteIssuerError. The final word is applyOps', which applies the same rules in order.
 */
export function checkInviteUsable(state: RosterState, invite: Invite, now: number): void {
  checkInvite(invite, state.coop, now)
  if (now < invite.created) throw new InviteExpiredError('the invite is not valid yet')
  const uses = state.invites.find((u) => hex(u.id) === hex(invite.id))
  if (uses?.revoked === true) throw new InviteRevokedError('an admin revoked this invite')
  if ((uses?.uses ?? 0) >= invite.maxUses) {
    throw new InviteUsedUpError(`the invite was used ${invite.maxUses} times already`)
  }
  const issuer = state.members.find((m) => hex(m.key) === hex(invite.issuer))
  const allowed =
    issuer !== undefined &&
    (issuer.role === 'admin' ||
      (state.policy.membersInvite &&
        ROLE_RANK[issuer.role] >= ROLE_RANK.member &&
        invite.role !== 'admin'))
  if (!allowed) throw new InviteIssuerError('whoever issued this invite may no longer grant it')
}
