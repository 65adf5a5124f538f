import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { afterEach, describe, expect, it } from 'vitest'
import { computeHealth } from '../../src/core/placement/health.ts'
import { parseManifest } from '../../src/core/manifest.ts'
import { localStripeCodec } from '../../src/core/stripe.ts'
import { auditBudget } from '../../src/engine/audit/audit-budget.ts'
import { planAudit, type AuditTarget } from '../../src/engine/audit/plan-audit.ts'
import { runAudit } from '../../src/engine/audit/run-audit.ts'
import { AUDIT_PERIOD_MS } from '../../src/engine/audit/constants.ts'
import { memoryManifests } from '../../src/engine/upload/manifest-store.ts'
import { uploadFile } from '../../src/engine/upload/upload-file.ts'
import { shardNetwork } from '../../src/net/store/index.ts'
import { holderAudits } from '../../src/storage/audits.ts'
import { DiskBlockstore } from '../../src/storage/disk/index.ts'
import { holdersByShard, receiptsForFile } from '../../src/storage/receipts.ts'
import { randomBytes, startNode, stopNode, type TestNode } from './store-test-nodes.ts'
import { bytesSource } from './upload-fakes.ts'

const SEGMENT = 64 * 1024
const PLEDGE = 64 * 1024 * 1024

describe('audit budget and plan', () => {
  it('allows 1 % of the stored bytes per month, pro rata, and at most one month at once', () => {
    expect(auditBudget(1_000_000, AUDIT_PERIOD_MS)).toBe(10_000)
    expect(auditBudget(1_000_000, AUDIT_PERIOD_MS / 2)).toBe(5_000)
    expect(auditBudget(1_000_000, 12 * AUDIT_PERIOD_MS)).toBe(10_000)
    expect(auditBudget(1_000_000, -5)).toBe(0)
  })

  it('samples holders in turn within the budget, never over it', () => {
    const targets: AuditTarget[] = []
    for (const holder of ['a', 'b', 'c'])
      for (let i = 0; i < 20; i++) targets.push({ shard: `${holder}${i}`, holder, size: 100 })
    let seed = 7
    const randomInt = (n: number): number => (seed = (seed * 48271) % 2147483647) % n
    const plan = planAudit(targets, { budgetBytes: 950, randomInt })
    expect(plan.length).toBe(9)
    for (const h of ['a', 'b', 'c']) expect(plan.filter((t) => t.holder === h).length).toBe(3)
    expect(new Set(plan.map((t) => t.shard)).size).toBe(9)
    expect(planAudit(targets, { budgetBytes: 99 })).toEqual([])
  })
})

describe('audits between in-process nodes', () => {
  let nodes: TestNode[] = []
  const dirs: string[] = []
  afterEach(async () => {
    await Promise.all(nodes.map((n) => stopNode(n)))
    nodes = []
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))
  })

  it('catches a holder that deleted its shards, one that altered them, and one whose disk rotted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'coffer-audit-'))
    dirs.push(dir)
    const disk = new DiskBlockstore(dir)
    await disk.open()
    const [owner, deleter, alterer, honest] = (nodes = await Promise.all(
      [0, 1, 2, 3].map(() => startNode(PLEDGE)),
    )) as [TestNode, TestNode, TestNode, TestNode]
    const keeper = await startNode(PLEDGE, {}, {}, disk)
    nodes.push(keeper)
    const holders = [deleter, alterer, honest, keeper]
    for (const h of holders) await owner.libp2p.dial(h.libp2p.getMultiaddrs())
    const network = shardNetwork(owner.libp2p.services)
    const uploaded = await uploadFile(
      {
        db: owner.db,
        network,
        owner: owner.peerId.toString(),
        peers: () => holders.map((h) => h.peerId.toString()),
        manifests: memoryManifests(),
        codec: localStripeCodec,
      },
      bytesSource(randomBytes(3 * SEGMENT + 99), 'audited.bin'),
      { segmentSize: SEGMENT },
    )
    expect(uploaded.safe).toBe(true)
    const fileId = uploaded.record.id

    // Silently: the deleter drops every shard, the alterer flips a byte of each, and one
    // shard file on the keeper's disk is overwritten behind its back.
    deleter.blocks.map.clear()
    for (const [cid, bytes] of alterer.blocks.map) {
      const altered = Uint8Array.from(bytes)
      altered[0] = (altered[0] ?? 0) ^ 0xff
      alterer.blocks.map.set(cid, altered)
    }
    const shardDirs = await readdir(join(dir, 'blocks'))
    const someDir = join(dir, 'blocks', shardDirs[0] ?? '')
    const [rotten = ''] = await readdir(someDir)
    await writeFile(join(someDir, rotten), new Uint8Array(16))

    const report = await runAudit(
      { db: owner.db, network, online: () => true },
      { budgetBytes: Number.MAX_SAFE_INTEGER },
    )
    const outcomes = (h: TestNode): string[] =>
      report.results.filter((r) => r.holder === h.peerId.toString()).map((r) => r.outcome)
    expect(outcomes(deleter).length).toBeGreaterThan(0)
    expect(new Set(outcomes(deleter))).toEqual(new Set(['missing']))
    expect(new Set(outcomes(alterer))).toEqual(new Set(['corrupt']))
    expect(new Set(outcomes(honest))).toEqual(new Set(['held']))
    expect(outcomes(keeper)).toContain('missing')
    expect(report.results.find((r) => r.shard === rotten)?.outcome).toBe('missing')
    expect(outcomes(keeper).filter((o) => o === 'held').length).toBe(outcomes(keeper).length - 1)
    expect(new Set(report.failedHolders)).toEqual(
      new Set([deleter, alterer, keeper].map((h) => h.peerId.toString())),
    )

    // Their receipts are gone, so the file's health shows the shards it really lacks …
    const receipts = await receiptsForFile(owner.db, fileId)
    for (const r of receipts) {
      expect(r.holder === deleter.peerId.toString()).toBe(false)
      expect(r.holder === alterer.peerId.toString()).toBe(false)
      expect(r.shard).not.toBe(rotten)
    }
    const layout = parseManifest(
      (await memoryManifestsOf(uploaded.record.manifestCid!, owner)) ?? new Uint8Array(),
    ).layout
    const health = computeHealth({
      k: layout.k,
      n: layout.n,
      stripes: layout.stripes.map((s) => s.shards.map((c) => c.toString())),
      holders: holdersByShard(receipts),
      online: new Set(holders.map((h) => h.peerId.toString())),
    })
    expect(health.state).not.toBe('safe')
    expect(health.shardsStored).toBeLessThan(health.shardsTotal)

    // … and each holder's tally says how it fared.
    const audits = new Map((await holderAudits(owner.db)).map((a) => [a.holder, a]))
    expect(audits.get(honest.peerId.toString())?.failed).toBe(0)
    expect(audits.get(deleter.peerId.toString())?.passed).toBe(0)
    expect(audits.get(alterer.peerId.toString())?.failed).toBeGreaterThan(0)
    expect(audits.get(keeper.peerId.toString())?.failed).toBe(1)
  })
})

/** The manifest block, read back from a holder that keeps a copy. */
async function memoryManifestsOf(cid: string, owner: TestNode): Promise<Uint8Array | undefined> {
  const network = shardNetwork(owner.libp2p.services)
  for (const conn of owner.libp2p.getConnections()) {
    try {
      return await network.fetch(conn.remotePeer.toString(), CID.parse(cid))
    } catch {
      // Not on this holder (or that holder is the one that lost everything): try the next.
    }
  }
  return undefined
}
