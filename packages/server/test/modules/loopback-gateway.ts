import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** How a loopback gateway behaves. */
export type GatewayBehaviour =
  /** Serves what it holds, as a trustless gateway does. */
  | "honest"
  /** Serves altered bytes (one byte flipped) for every request. */
  | "tampering"
  /** Accepts the request and never answers. */
  | "stalling";

/** A trustless gateway on 127.0.0.1 for tests: raw blocks and CARs by CID. */
export interface LoopbackGateway {
  url: string;
  /** Requests seen, as `path?query`. */
  requests: string[];
  /** Content by CID and format. */
  serve(cid: string, format: "raw" | "car", bytes: Uint8Array): void;
  close(): Promise<void>;
}

/** Starts a loopback gateway with a behaviour. */
export async function startLoopbackGateway(behaviour: GatewayBehaviour): Promise<LoopbackGateway> {
  const content = new Map<string, Uint8Array>();
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://gateway.invalid");
    requests.push(`${url.pathname}${url.search}`);
    if (behaviour === "stalling") return;
    const cid = url.pathname.replace(/^\/ipfs\//, "");
    const format = url.searchParams.get("format") ?? "";
    const bytes = content.get(`${cid}?${format}`);
    if (!bytes) {
      response.writeHead(404).end("not found");
      return;
    }
    let body = bytes;
    if (behaviour === "tampering") {
      body = bytes.slice();
      const index = body.length - 1;
      body[index] = (body[index] ?? 0) ^ 0xff;
    }
    response.writeHead(200, {
      "Content-Type": format === "car" ? "application/vnd.ipld.car" : "application/vnd.ipld.raw",
      "Content-Length": body.length,
    });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    serve(cid, format, bytes) {
      content.set(`${cid}?${format}`, bytes);
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
