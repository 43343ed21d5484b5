/** The part of the WebSocket API (browser's, or the `ws` package's) the session uses. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
}

type WebSocketConstructor = new (url: string) => WebSocketLike;

let nodeWebSocket: Promise<WebSocketConstructor> | undefined;

/**
 * Opens a WebSocket to `url`: the platform's `WebSocket` (browsers, Node 22+, Deno, Bun), else
 * the `ws` package, imported only then (Node 20), so that browser bundles never include it.
 * @throws Error when neither is available.
 */
export async function openWebSocket(url: string): Promise<WebSocketLike> {
  const native = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (native) return new native(url);
  // A specifier bundlers leave alone: `ws` is for Node only.
  const specifier = "ws";
  nodeWebSocket ??= import(/* @vite-ignore */ specifier).then(
    (module: { default?: WebSocketConstructor; WebSocket?: WebSocketConstructor }) => {
      const found = module.WebSocket ?? module.default;
      if (!found) throw new Error("the ws package has no WebSocket export");
      return found;
    },
  );
  const Constructor = await nodeWebSocket;
  return new Constructor(url);
}
