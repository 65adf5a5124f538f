export { createWorkerPool, type WorkerPool, type WorkerPoolInit, type WorkerLike } from './pool.ts'
export { MAX_POOL_SIZE, DEFAULT_POOL_SIZE } from './constants.ts'
