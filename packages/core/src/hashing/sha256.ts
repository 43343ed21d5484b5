/** The slice of a `node:crypto` hash the synchronous digest needs. */
interface NodeHash {
  update(data: Uint8Array | string, encoding?: "utf8"): NodeHash;
  digest(): Uint8Array;
  digest(encoding: "hex"): string;
}

/** The slice of `node:crypto` the synchronous digest needs. */
interface NodeHashing {
  createHash(algorithm: "sha256"): NodeHash;
}

/**
 * Node's `crypto` module when the runtime has one, found without an import (core stays
 * loadable in a browser): `process.getBuiltinModule` exists in Node 20.16+ and 22.3+, Deno and
 * Bun; elsewhere (browsers, workers, older Node) there is none and Web Crypto is used.
 */
function findNodeHashing(): NodeHashing | undefined {
  try {
    const runtime = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } })
      .process;
    const candidate = runtime?.getBuiltinModule?.("node:crypto") as NodeHashing | undefined;
    return typeof candidate?.createHash === "function" ? candidate : undefined;
  } catch {
    return undefined;
  }
}

const nodeHashing = findNodeHashing();

/**
 * SHA-256 of bytes or of a string's UTF-8 encoding, as lower-case hex, computed at once with
 * Node's `crypto` (about 3 µs for a request document, against 18–80 µs through Web Crypto's
 * job queue), or `undefined` in a runtime without it (a browser): use {@link sha256Hex} there.
 */
export function sha256HexSync(data: Uint8Array | string): string | undefined {
  if (!nodeHashing) return undefined;
  return nodeHashing.createHash("sha256").update(data, "utf8").digest("hex");
}

/**
 * The raw SHA-256 digest (32 bytes) of bytes, computed at once with Node's `crypto`, or
 * `undefined` without it (see {@link sha256HexSync}).
 */
export function sha256BytesSync(bytes: Uint8Array): Uint8Array | undefined {
  if (!nodeHashing) return undefined;
  return new Uint8Array(nodeHashing.createHash("sha256").update(bytes).digest());
}

/**
 * SHA-256 of bytes or of a string's UTF-8 encoding, as lower-case hex, with Web Crypto
 * (`globalThis.crypto.subtle`: browsers, Node 20+, Deno, workers), whatever the runtime.
 */
export async function webCryptoSha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await globalThis.crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return toHex(new Uint8Array(digest));
}

/**
 * SHA-256 of bytes or of a string's UTF-8 encoding, as lower-case hex: Node's `crypto` where it
 * exists (synchronous underneath), Web Crypto elsewhere. Both give the same digest.
 */
export function sha256Hex(data: Uint8Array | string): Promise<string> {
  const now = sha256HexSync(data);
  return now !== undefined ? Promise.resolve(now) : webCryptoSha256Hex(data);
}

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += byte.toString(16).padStart(2, "0");
  return text;
}
