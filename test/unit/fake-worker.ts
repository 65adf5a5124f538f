import type { WorkerLike } from '../../src/workers/index.ts'
import type { WorkerRequest } from '../../src/workers/protocol.ts'
import { handleRequest } from '../../src/workers/stripe-handler.ts'

/** Runs the real worker handler in-thread, with structured cloning and transfers as a Worker. */
export class FakeWorker implements WorkerLike {
  onmessage: ((event: MessageEvent) => void) | null = null
  onerror: ((event: ErrorEvent) => void) | null = null
  terminated = false
  constructor(private readonly crashOn?: (req: WorkerRequest) => boolean) {}
  postMessage(message: unknown, transfer: Transferable[]): void {
    const request = structuredClone(message, { transfer }) as WorkerRequest
    setTimeout(() => {
      if (this.terminated) return
      if (this.crashOn?.(request)) {
        this.onerror?.({ message: 'boom', preventDefault() {} } as ErrorEvent)
        return
      }
      void handleRequest(request).then((answer) => {
        if (this.terminated || !answer) return
        const data = structuredClone(answer.response, { transfer: answer.transfer })
        this.onmessage?.({ data } as MessageEvent)
      })
    }, 0)
  }
  terminate(): void {
    this.terminated = true
  }
}
