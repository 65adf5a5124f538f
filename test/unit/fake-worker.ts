import type { WorkerLike } from '../../src/workers/index.ts'
import type { WorkerRequest } from '../../src/workers/protocol.ts'
import { handleRequest } from '../../src/workers/stripe-handler.ts'

/** Runs the real worker handler in-thread, with structured cloning and transfers as a Worker. */
export class FakeWorker implements WorkerLike {
  onmessage: ((event: MessageEvent) => void) | null = null
  onerror: ((event: ErrorEvent) => void) | null = null
  terminated = false
  /**
   * `crashOn` makes the worker fail instead of answering; `holdUntil` keeps a request from
   * starting until the promise it returns settles, so a test can fix the order of events.
   */
  constructor(
    private readonly crashOn?: (req: WorkerRequest) => boolean,
    private readonly holdUntil?: (req: WorkerRequest) => Promise<unknown> | undefined,
  ) {}
  postMessage(message: unknown, transfer: Transferable[]): void {
    const request = structuredClone(message, { transfer }) as WorkerRequest
    const held = this.holdUntil?.(request)
    const start = () => setTimeout(() => this.#run(request), 0)
    if (held) void held.finally(start)
    else start()
  }
  #run(request: WorkerRequest): void {
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
  }
  terminate(): void {
    this.terminated = true
  }
}
