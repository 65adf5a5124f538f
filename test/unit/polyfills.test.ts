import { describe, expect, it } from 'vitest'
import '../../src/core/polyfills.ts'

describe('polyfills', () => {
  it('provides Promise.withResolvers on Node 20', async () => {
    const { promise, resolve } = Promise.withResolvers<number>()
    resolve(7)
    expect(await promise).toBe(7)
  })
})
