/** A binary min-heap of timed events: the simulator jumps from one event to the next. */
export class EventQueue<T> {
  private times: number[] = []
  private items: T[] = []

  get size(): number {
    return this.times.length
  }

  push(time: number, item: T): void {
    const t = this.times
    const it = this.items
    let i = t.length
    t.push(time)
    it.push(item)
    while (i > 0) {
      const p = (i - 1) >> 1
      if (t[p]! <= time) break
      t[i] = t[p]!
      it[i] = it[p]!
      i = p
    }
    t[i] = time
    it[i] = item
  }

  /** Removes and returns the earliest event. */
  pop(): { time: number; item: T } {
    const t = this.times
    const it = this.items
    const time = t[0]!
    const item = it[0]!
    const lastT = t.pop()!
    const lastI = it.pop()!
    const n = t.length
    if (n > 0) {
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        const c = r < n && t[r]! < t[l]! ? r : l
        if (t[c]! >= lastT) break
        t[i] = t[c]!
        it[i] = it[c]!
        i = c
      }
      t[i] = lastT
      it[i] = lastI
    }
    return { time, item }
  }
}
