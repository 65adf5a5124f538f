/// <reference lib="webworker" />
// Entry point of one pool worker: encrypt + erasure-code + hash, or reconstruct + decrypt.
import { handleRequest } from './stripe-handler.ts'
import type { WorkerRequest } from './protocol.ts'

const scope = self as unknown as DedicatedWorkerGlobalScope

scope.onmessage = (event: MessageEvent<WorkerRequest>) => {
  void handleRequest(event.data).then((answer) => {
    if (answer) scope.postMessage(answer.response, answer.transfer)
  })
}
