/** An opened announcement names something that is not a peer ID with an inlined public key. */
export class AnnouncedPeerError extends Error {
  override name = 'AnnouncedPeerError'
}
