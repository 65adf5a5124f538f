/** The other side's proof does not verify: it does not hold this co-op's secret. */
export class ProofMismatchError extends Error {
  override name = 'ProofMismatchError'
}

/** The listener checked our proof and refused it (it holds another co-op's secret). */
export class HandshakeRefusedError extends Error {
  override name = 'HandshakeRefusedError'
}

/** The other side closed the stream before the handshake ended. */
export class HandshakeTruncatedError extends Error {
  override name = 'HandshakeTruncatedError'
}
