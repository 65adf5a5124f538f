/** One shard a holder signed a receipt for, as an audit sees it. */
export interface AuditTarget {
  shard: string
  holder: string
  size: number
}

export interface PlanAuditOptions {
  /** Bytes the audit may fetch in all (see auditBudget). */
  budgetBytes: number
  /** Uniform integer in [0, n); crypto-strong by default so a holder cannot predict it. */
  randomInt?: (n: number) => number
}

function cryptoInt(n: number): number {
  const [x = 0] = crypto.getRandomValues(new Uint32Array(1))
  return x % n
}

/**
 * Chooses which shards to audit: random ones, holder by holder in turn, until the budget is
 * spent, so every holder is checked about equally often and none can tell which of its
 * shards will be asked for. A shard larger than what is left of the budget is skipped.
 */
export function planAudit(
  targets: readonly AuditTarget[],
  options: PlanAuditOptions,
): AuditTarget[] {
  const randomInt = options.randomInt ?? cryptoInt
  const byHolder = new Map<string, AuditTarget[]>()
  for (const t of targets) {
    const list = byHolder.get(t.holder)
    if (list === undefined) byHolder.set(t.holder, [t])
    else list.push(t)
  }
  const queues = [...byHolder.values()]
  for (const q of queues) shuffle(q, randomInt)
  shuffle(queues, randomInt)

  const chosen: AuditTarget[] = []
  let left = options.budgetBytes
  let picked = true
  while (picked) {
    picked = false
    for (const q of queues) {
      const at = q.findIndex((t) => t.size <= left)
      if (at < 0) continue
      const [t] = q.splice(at, 1)
      if (t === undefined) continue
      chosen.push(t)
      left -= t.size
      picked = true
    }
  }
  return chosen
}

function shuffle<T>(list: T[], randomInt: (n: number) => number): void {
  for (let i = list.length - 1; i > 0; i--) {
    const j = randomInt(i + 1)
    const a = list[i] as T
    list[i] = list[j] as T
    list[j] = a
  }
}
