/**
 * A block is not on disk, or its file failed the CID check and was set aside. Named
 * `NotFoundError` like the blockstores of the interface-blockstore family, so the fetch service
 * answers "not here" for it as for any other store.
 */
export class BlockMissingError extends Error {
  override name = 'NotFoundError'
}

/** The disk has no room for the block (ENOSPC or EDQUOT from the file system). */
export class DiskFullError extends Error {
  override name = 'DiskFullError'
}

/** The directory given for the keeper's data is not usable (not a directory, not writable). */
export class DataDirError extends Error {
  override name = 'DataDirError'
}

/** A holdings journal line that is not a record this code wrote (and not a torn last line). */
export class LedgerFormatError extends Error {
  override name = 'LedgerFormatError'
}
