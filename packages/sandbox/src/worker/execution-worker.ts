// Entry of each sandbox worker thread: runs tasks posted by the pool, one at a time.
import { parentPort, workerData } from "node:worker_threads";
import type {
  WorkerNeedBytesMessage,
  WorkerResultMessage,
  WorkerRunMessage,
} from "../pool/worker-protocol.js";
import { createWorkerState, NEED_BYTES, runTask } from "./run-task.js";

const port = parentPort;
if (!port) throw new Error("execution-worker must run in a worker thread");

const data = workerData as { compiledCacheBytes: number; progress: SharedArrayBuffer };
const state = createWorkerState(data.compiledCacheBytes, new Float64Array(data.progress));

port.on("message", (message: WorkerRunMessage) => {
  void runTask(state, message)
    .catch((error: unknown) => ({
      outcome: {
        success: false as const,
        error: {
          code: "trap" as const,
          message: `the sandbox failed to run the module: ${error instanceof Error ? error.message : String(error)}`,
        },
        gasUsed: null,
      },
    }))
    .then((report) => {
      if (report === NEED_BYTES) {
        const ask: WorkerNeedBytesMessage = { type: "need-bytes", id: message.id };
        port.postMessage(ask);
        return;
      }
      const reply: WorkerResultMessage = { type: "result", id: message.id, ...report };
      // The metered bytes are this worker's own: move them instead of copying.
      const metered = reply.meteredBytes;
      const whole =
        metered !== undefined &&
        metered.byteOffset === 0 &&
        metered.byteLength === metered.buffer.byteLength &&
        metered.buffer instanceof ArrayBuffer;
      port.postMessage(reply, whole ? [metered.buffer as ArrayBuffer] : []);
    });
});
