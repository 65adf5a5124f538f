// Draws Coffer's app icons (a chest on a teal field) pixel by pixel and writes them as PNGs
// with node:zlib, so the icons are reproducible without an image editor or extra packages.
// Run: npx tsx scripts/make-icons.ts  (writes public/icons/*.png and public/favicon.svg)
import { deflateSync } from 'node:zlib'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = join(root, 'public', 'icons')

type Rgb = readonly [number, number, number]

const TEAL: Rgb = [0x1f, 0x4e, 0x5f]
const GOLD: Rgb = [0xf2, 0xc1, 0x4e]
const BROWN: Rgb = [0x7a, 0x4a, 0x21]
const DARK: Rgb = [0x16, 0x2b, 0x33]

/** Signed distance to a rounded rectangle centred at (cx, cy); negative inside. */
function roundedRect(
  x: number,
  y: number,
  cx: number,
  cy: number,
  halfW: number,
  halfH: number,
  r: number,
): number {
  const qx = Math.abs(x - cx) - halfW + r
  const qy = Math.abs(y - cy) - halfH + r
  const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0))
  return outside + Math.min(Math.max(qx, qy), 0) - r
}

/**
 * Colour at a point of the unit square. `scale` shrinks the chest toward the centre: the
 * maskable icon keeps it inside the 80 % safe circle that launchers may crop to.
 * `cornerRadius` rounds the background of the plain icon; the maskable one is full-bleed.
 */
function shade(u: number, v: number, scale: number, cornerRadius: number): Rgb | null {
  if (cornerRadius > 0 && roundedRect(u, v, 0.5, 0.5, 0.5, 0.5, cornerRadius) > 0) return null
  const x = 0.5 + (u - 0.5) / scale
  const y = 0.5 + (v - 0.5) / scale
  // Keyhole: a circle over a small trapezoid-ish slot.
  if (Math.hypot(x - 0.5, y - 0.56) < 0.045) return DARK
  if (Math.abs(x - 0.5) < 0.02 && y > 0.56 && y < 0.66) return DARK
  // Lid band between body and lid.
  if (roundedRect(x, y, 0.5, 0.44, 0.33, 0.018, 0.005) < 0) return BROWN
  // Lid (top) and body (bottom) of the chest.
  if (roundedRect(x, y, 0.5, 0.34, 0.31, 0.1, 0.08) < 0) return GOLD
  if (roundedRect(x, y, 0.5, 0.6, 0.31, 0.16, 0.04) < 0) return GOLD
  // Background field.
  return TEAL
}

function render(size: number, scale: number, cornerRadius: number): Buffer {
  const samples = 4
  const rgba = Buffer.alloc(size * size * 4)
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0
      let g = 0
      let b = 0
      let a = 0
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const c = shade(
            (px + (sx + 0.5) / samples) / size,
            (py + (sy + 0.5) / samples) / size,
            scale,
            cornerRadius,
          )
          if (!c) continue
          r += c[0]
          g += c[1]
          b += c[2]
          a += 1
        }
      }
      const i = (py * size + px) * 4
      const n = samples * samples
      rgba[i] = a ? Math.round(r / a) : 0
      rgba[i + 1] = a ? Math.round(g / a) : 0
      rgba[i + 2] = a ? Math.round(b / a) : 0
      rgba[i + 3] = Math.round((255 * a) / n)
    }
  }
  return encodePng(size, size, rgba)
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(buf: Buffer): number {
  let c = 0xffffffff
  for (const byte of buf) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

function encodePng(width: number, height: number, rgba: Buffer): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // colour type RGBA
  // Each scanline starts with filter type 0 (none).
  const raw = Buffer.alloc((width * 4 + 1) * height)
  for (let y = 0; y < height; y++) {
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

mkdirSync(outDir, { recursive: true })
const icons: [name: string, size: number, scale: number, corner: number][] = [
  ['icon-192.png', 192, 1, 0.18],
  ['icon-512.png', 512, 1, 0.18],
  ['maskable-512.png', 512, 0.72, 0],
  ['apple-touch-icon.png', 180, 0.85, 0],
]
for (const [name, size, scale, corner] of icons) {
  writeFileSync(join(outDir, name), render(size, scale, corner))
  console.log(`wrote public/icons/${name}`)
}

const hex = (c: Rgb): string => '#' + c.map((n) => n.toString(16).padStart(2, '0')).join('')
writeFileSync(
  join(root, 'public', 'favicon.svg'),
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
  <rect width="100" height="100" rx="18" fill="${hex(TEAL)}"/>
  <rect x="19" y="24" width="62" height="20" rx="8" fill="${hex(GOLD)}"/>
  <rect x="17" y="42.2" width="66" height="3.6" fill="${hex(BROWN)}"/>
  <rect x="19" y="44" width="62" height="32" rx="4" fill="${hex(GOLD)}"/>
  <circle cx="50" cy="56" r="4.5" fill="${hex(DARK)}"/>
  <rect x="48" y="56" width="4" height="10" fill="${hex(DARK)}"/>
</svg>
`,
)
console.log('wrote public/favicon.svg')
