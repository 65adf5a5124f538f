/** The file is larger than one manifest can describe at the default segment size. */
export class FileTooLargeError extends Error {
  static readonly code = 'ERR_FILE_TOO_LARGE'
  override name = 'FileTooLargeError'
  readonly code = FileTooLargeError.code
}

/** No other member with free pledged space is connected directly: nobody can keep the shards. */
export class NoPeersError extends Error {
  static readonly code = 'ERR_NO_PEERS'
  override name = 'NoPeersError'
  readonly code = NoPeersError.code
}

/** The file picked to resume an upload is not the one that was being uploaded. */
export class ResumeMismatchError extends Error {
  static readonly code = 'ERR_RESUME_MISMATCH'
  override name = 'ResumeMismatchError'
  readonly code = ResumeMismatchError.code
}

/** A stripe (or the manifest) could not be stored on enough peers to be readable. */
export class UploadIncompleteError extends Error {
  static readonly code = 'ERR_UPLOAD_INCOMPLETE'
  override name = 'UploadIncompleteError'
  readonly code = UploadIncompleteError.code
}
