// Runs the embedded service until Ctrl-C: `npm start -w @wasm-relay/example-embed`.
import { startEmbeddedService } from "./embedded-service.js";

const service = await startEmbeddedService({ port: Number(process.env.PORT ?? 4000) });
console.log(`pricing service on ${service.url}: try ${service.url}/price/total?base=40&shipping=2`);
const stop = async () => {
  await service.close();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
