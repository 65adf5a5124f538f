import type {
  ComponentLogger,
  Connection,
  Libp2pEvents,
  Logger,
  PeerId,
  Stream,
  StreamHandler,
  StreamHandlerOptions,
} from '@libp2p/interface'
import type { TypedEventTarget } from 'main-event'
import {
  decodeChallenge,
  decodeHello,
  decodeProof,
  decodeVerdict,
  encodeChallenge,
  encodeHello,
  encodeProof,
  encodeVerdict,
  HANDSHAKE_NONCE_BYTES,
  MAX_HANDSHAKE_MESSAGE_BYTES,
  memberProof,
  verifyMemberProof,
  type ProofInput,
} from '../../core/membership/index.ts'
import { MAX_VARINT_BYTES } from '../../core/protocol/index.ts'
import { MessageReader } from '../exchange/message-reader.ts'
import { toError, withTimeout, writeMessage } from '../exchange/stream-io.ts'
import {
  HANDSHAKE_TIMEOUT_MS,
  MEMBER_MAX_INBOUND_STREAMS,
  MEMBER_MAX_OUTBOUND_STREAMS,
  MEMBER_PROTOCOL,
} from './constants.ts'
import { HandshakeRefusedError, HandshakeTruncatedError, ProofMismatchError } from './errors.ts'
import type { ProvenMembers } from './proven-members.ts'

export interface CofferMemberInit {
  /** Limit on one whole handshake, either side. */
  timeout?: number
}

export interface CofferMemberComponents {
  registrar: {
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
    unhandle(protocol: string): Promise<void>
  }
  events: TypedEventTarget<Pick<Libp2pEvents, 'connection:open' | 'connection:close'>>
  peerId: PeerId
  logger: ComponentLogger
  /** HMAC key derived from the co-op secret (core/membership deriveCoopKeys). */
  memberKey: Uint8Array
  /** Where proofs are recorded; the store and fetch handlers read it. */
  members: ProvenMembers
  /** Peers never asked for a proof: the co-op's relays, which hold no secret. */
  skip?: (peer: PeerId) => boolean
}

/**
 * `/coffer/member/1.0.0`: on every new direct connection the dialing side starts a mutual
 * proof that both hold the co-op's membership key, bound to the two peer IDs noise
 * authenticated and to fresh nonces (docs/FORMAT.md "Membership handshake"). A peer that
 * never proves stays a guest: it may fetch, nothing more.
 */
export class CofferMember {
  readonly protocol = MEMBER_PROTOCOL
  readonly [Symbol.toStringTag] = 'coffer:member'
  readonly #c: CofferMemberComponents
  readonly #log: Logger
  readonly #timeout: number
  #started = false

  constructor(components: CofferMemberComponents, init: CofferMemberInit = {}) {
    this.#c = components
    this.#log = components.logger.forComponent('coffer:net:member')
    this.#timeout = init.timeout ?? HANDSHAKE_TIMEOUT_MS
  }

  async start(): Promise<void> {
    await this.#c.registrar.handle(this.protocol, this.#handle, {
      maxInboundStreams: MEMBER_MAX_INBOUND_STREAMS,
      maxOutboundStreams: MEMBER_MAX_OUTBOUND_STREAMS,
      // Shard traffic needs a direct connection, so that is where membership is proven.
      runOnLimitedConnection: false,
    })
    this.#c.events.addEventListener('connection:open', this.#onOpen)
    this.#c.events.addEventListener('connection:close', this.#onClose)
    this.#started = true
  }

  async stop(): Promise<void> {
    this.#c.events.removeEventListener('connection:open', this.#onOpen)
    this.#c.events.removeEventListener('connection:close', this.#onClose)
    await this.#c.registrar.unhandle(this.protocol)
    this.#started = false
  }

  isStarted(): boolean {
    return this.#started
  }

  /**
   * Runs the dialer's side on `connection`; resolves true once both sides accepted. Called for
   * every outbound direct connection; exposed for tests and for a connection opened before start.
   */
  async prove(connection: Connection, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const remote = connection.remotePeer
    const run = this.#dial(connection, withTimeout(this.#timeout, options.signal)).then(
      () => {
        // A connection that closed mid-handshake would leave a proof nothing ever drops.
        if (connection.status !== 'open') return false
        this.#c.members.add(remote, connection.id)
        this.#log('%p proved membership on %s', remote, connection.id)
        return true
      },
      (err: unknown) => {
        this.#log('%p is no member (connection %s) - %e', remote, connection.id, err)
        return false
      },
    )
    this.#c.members.track(remote, run)
    return run
  }

  #onOpen = (evt: CustomEvent<Connection>): void => {
    const c = evt.detail
    if (c.direction !== 'outbound' || c.limits != null || this.#c.skip?.(c.remotePeer) === true) {
      return
    }
    void this.prove(c)
  }

  #onClose = (evt: CustomEvent<Connection>): void => {
    this.#c.members.drop(evt.detail.remotePeer, evt.detail.id)
  }

  async #dial(connection: Connection, signal: AbortSignal): Promise<void> {
    const stream = await connection.newStream(this.protocol, { signal })
    const reader = new MessageReader(stream, MAX_HANDSHAKE_MESSAGE_BYTES + MAX_VARINT_BYTES)
    try {
      const dialerNonce = crypto.getRandomValues(new Uint8Array(HANDSHAKE_NONCE_BYTES))
      await writeMessage(stream, [encodeHello(dialerNonce)], signal)
      const challenge = decodeChallenge(await next(reader, signal))
      const input: ProofInput = {
        dialer: this.#c.peerId.toMultihash().bytes,
        listener: connection.remotePeer.toMultihash().bytes,
        dialerNonce,
        listenerNonce: challenge.nonce,
      }
      if (!verifyMemberProof(this.#c.memberKey, 'listener', input, challenge.proof)) {
        throw new ProofMismatchError('the listener does not hold this co-op secret')
      }
      await writeMessage(
        stream,
        [encodeProof(memberProof(this.#c.memberKey, 'dialer', input))],
        signal,
      )
      if (!decodeVerdict(await next(reader, signal)).accepted) {
        throw new HandshakeRefusedError('the listener refused our proof')
      }
      reader.detach()
      await stream.close({ signal })
    } catch (err) {
      reader.detach()
      stream.abort(toError(err))
      throw err
    }
  }

  #handle = (stream: Stream, connection: Connection): void => {
    const remote = connection.remotePeer
    const run = this.#listen(stream, connection, AbortSignal.timeout(this.#timeout)).then(
      (accepted) => accepted,
      (err: unknown) => {
        this.#log('handshake from %p failed - %e', remote, err)
        stream.abort(toError(err))
        return false
      },
    )
    this.#c.members.track(remote, run)
  }

  async #listen(stream: Stream, connection: Connection, signal: AbortSignal): Promise<boolean> {
    const remote = connection.remotePeer
    const reader = new MessageReader(stream, MAX_HANDSHAKE_MESSAGE_BYTES + MAX_VARINT_BYTES)
    try {
      const hello = decodeHello(await next(reader, signal))
      const input: ProofInput = {
        dialer: remote.toMultihash().bytes,
        listener: this.#c.peerId.toMultihash().bytes,
        dialerNonce: hello.nonce,
        listenerNonce: crypto.getRandomValues(new Uint8Array(HANDSHAKE_NONCE_BYTES)),
      }
      const ours = memberProof(this.#c.memberKey, 'listener', input)
      await writeMessage(stream, [encodeChallenge(input.listenerNonce, ours)], signal)
      const { proof } = decodeProof(await next(reader, signal))
      const accepted = verifyMemberProof(this.#c.memberKey, 'dialer', input, proof)
      // Recorded before the verdict leaves: the dialer may send a request as soon as it reads it.
      if (accepted && connection.status === 'open') this.#c.members.add(remote, connection.id)
      else this.#log('%p sent a proof for another co-op', remote)
      await writeMessage(stream, [encodeVerdict(accepted)], signal)
      reader.detach()
      await stream.close({ signal })
      return accepted
    } finally {
      reader.detach()
    }
  }
}

async function next(reader: MessageReader, signal: AbortSignal): Promise<Uint8Array> {
  const body = await reader.next(MAX_HANDSHAKE_MESSAGE_BYTES, signal)
  if (body === undefined) throw new HandshakeTruncatedError('stream ended mid-handshake')
  return body
}

/** The components libp2p itself provides. */
export type Libp2pMemberComponents = Pick<
  CofferMemberComponents,
  'registrar' | 'events' | 'peerId' | 'logger'
>

/** libp2p service factory: `services: { member: cofferMember({ memberKey, members }) }`. */
export function cofferMember(
  parts: Pick<CofferMemberComponents, 'memberKey' | 'members' | 'skip'>,
  init: CofferMemberInit = {},
): (components: Libp2pMemberComponents) => CofferMember {
  return (c) =>
    new CofferMember(
      { registrar: c.registrar, events: c.events, peerId: c.peerId, logger: c.logger, ...parts },
      init,
    )
}
