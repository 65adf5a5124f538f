import { InvalidCodeShapeError } from './errors.ts'

export function assertShape(k: number, n: number): void {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 1 || n <= k || n > 256) {
    throw new InvalidCodeShapeError(`invalid code shape k=${k} n=${n}`)
  }
}
