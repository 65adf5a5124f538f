/** The download was stopped by the member (Cancel) or by closing its page. */
export class DownloadCancelledError extends Error {
  static readonly code = 'ERR_DOWNLOAD_CANCELLED'
  override name = 'DownloadCancelledError'
  readonly code = DownloadCancelledError.code
}

/** No connected peer has the file's manifest, and none of the hinted holders could be reached. */
export class ManifestUnavailableError extends Error {
  static readonly code = 'ERR_MANIFEST_UNAVAILABLE'
  override name = 'ManifestUnavailableError'
  readonly code = ManifestUnavailableError.code
}

/** The browser offers no way to write a file out (no save picker, no service worker). */
export class NoSaveTargetError extends Error {
  static readonly code = 'ERR_NO_SAVE_TARGET'
  override name = 'NoSaveTargetError'
  readonly code = NoSaveTargetError.code
}
