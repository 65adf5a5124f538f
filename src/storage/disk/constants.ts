/** Sub-directories of a keeper's data directory (docs/FORMAT.md, "Keeper data directory"). */
export const BLOCKS_DIR = 'blocks'
export const TMP_DIR = 'tmp'
export const CORRUPT_DIR = 'corrupt'
export const HOLDINGS_FILE = 'holdings.jsonl'
/** A journal that grew past this many lines is rewritten as a snapshot when it is opened. */
export const LEDGER_COMPACT_LINES = 10_000
/** Space the keeper leaves free on its disk whatever the pledge says (the OS and logs need it). */
export const DISK_HEADROOM_BYTES = 256 * 1024 * 1024
