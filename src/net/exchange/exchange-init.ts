/** Settings both exchange services (store and fetch) take, on either side of a stream. */
export interface ExchangeInit {
  /** Limit on one whole exchange, either side. */
  timeout?: number
  maxInboundStreams?: number
  maxOutboundStreams?: number
  /** Streams this node keeps open to one holder (never above `maxOutboundStreams`). */
  maxStreamsPerPeer?: number
  /** Holder side: a stream with no new request for this long is closed. */
  idleTimeout?: number
  /** Asking side: an unused pooled stream is closed after this long. */
  poolIdleTimeout?: number
}
