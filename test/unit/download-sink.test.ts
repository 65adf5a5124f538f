import { describe, expect, it } from 'vitest'
import { memoryTarget } from '../../src/engine/download/download-sink.ts'

describe('memoryTarget', () => {
  it('keeps the exact bytes as an untyped blob, whatever type the uploader claimed', async () => {
    const target = memoryTarget()
    const html = new TextEncoder().encode('<script>parent.stolen = 1</script>')
    const writer = target.writable.getWriter()
    await writer.write(html.subarray(0, 10))
    await writer.write(html.subarray(10))
    await writer.close()
    const blob = target.blob!()
    expect(blob.type).toBe('application/octet-stream')
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(html)
  })

  it('has no blob before the download finishes', () => {
    expect(() => memoryTarget().blob!()).toThrow(/not finished/)
  })
})
