// The relay under test, in a process of its own so that its memory is measured alone.
// Started by sse-fanout-benchmark.ts; environment variables configure it.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { startRelayServer } from "../../packages/server/src/relay-server.js";

const relay = await startRelayServer({ env: { ...process.env }, port: 0 });
// `--expose-gc` on the command line would reach the sandbox's worker threads, which refuse it.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

process.on("message", async (message: { type: string }) => {
  if (message.type === "memory") {
    for (let i = 0; i < 3; i += 1) {
      collectGarbage?.();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const usage = process.memoryUsage();
    process.send?.({
      type: "memory",
      rss: usage.rss,
      heapUsed: usage.heapUsed,
      external: usage.external,
    });
  } else if (message.type === "close") {
    await relay.close();
    process.exit(0);
  }
});
process.send?.({ type: "ready", url: relay.url });
