import { createHash } from "node:crypto";
import type { Metrics } from "@wasm-relay/core";
import { noopMetrics } from "@wasm-relay/core";
import type { CID } from "multiformats/cid";
import { CarVerificationError, readUnixfsFileFromCar } from "./car-module.js";
import type { ModuleCid } from "./module-cid.js";

/** Options of {@link createGatewayClient}. */
export interface GatewayClientOptions {
  /** Base URLs of trustless gateways (`https://ipfs.io`), tried in order. */
  gateways: readonly string[];
  /** Longest one fetch (headers and body) may take. @unit milliseconds @default 10000 */
  timeoutMs?: number;
  /** Largest module accepted. @unit bytes */
  maxModuleBytes: number;
  /** Counts fetches (`relay.modules.gateway_fetch` {gateway, outcome}) and rejected bytes. */
  metrics?: Metrics;
  /** The fetch implementation. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** How one gateway answered. */
export interface GatewayAttempt {
  /** The gateway's base URL. */
  gateway: string;
  /** `not_found` (404/410), `unverified` (bytes did not match), `timeout`, `failed` (anything else). */
  outcome: "not_found" | "unverified" | "timeout" | "failed";
  /** What went wrong, for messages. */
  reason: string;
}

/** Thrown when no gateway gave verified bytes; `attempts` says what each did. */
export class GatewayFetchError extends Error {
  override readonly name = "GatewayFetchError";
  constructor(
    readonly cid: string,
    readonly attempts: readonly GatewayAttempt[],
  ) {
    super(
      attempts.length === 0
        ? `no IPFS gateway is configured to fetch ${cid}`
        : `no gateway served verified bytes for ${cid}: ${attempts
            .map((attempt) => `${attempt.gateway}: ${attempt.reason}`)
            .join("; ")}`,
    );
  }

  /** Whether some gateway answered with bytes that do not match the CID. */
  get sawUnverifiedBytes(): boolean {
    return this.attempts.some((attempt) => attempt.outcome === "unverified");
  }
}

/** Fetches module bytes from untrusted IPFS gateways and verifies them. */
export interface GatewayClient {
  /** Whether any gateway is configured. */
  readonly enabled: boolean;
  /**
   * Fetches the bytes a CID names: a raw block with `?format=raw` (its sha2-256 checked), a
   * UnixFS DAG with `?format=car` (every block checked, the DAG complete). Each gateway gets
   * `timeoutMs` and `maxModuleBytes`; on any failure the next gateway is tried.
   * @throws GatewayFetchError when no gateway gave verified bytes.
   * @throws the signal's reason when `signal` aborts.
   */
  fetchModule(moduleCid: ModuleCid, signal?: AbortSignal): Promise<Uint8Array>;
}

class UnverifiedBytesError extends Error {}
class TooLargeError extends Error {}

/** Reads a response body, refusing it as soon as it passes `limit` bytes. */
async function readBounded(response: Response, limit: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel();
    throw new TooLargeError(`declares ${declared} bytes, more than the bound of ${limit}`);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw new TooLargeError(`sent more than the bound of ${limit} bytes`);
    }
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

function sha256Matches(bytes: Uint8Array, cid: CID): boolean {
  return createHash("sha256").update(bytes).digest().equals(cid.multihash.digest);
}

/**
 * Creates a client of IPFS trustless gateways (the HTTP Gateway "trustless" profile): nothing a
 * gateway sends is believed until it hashes to the CID asked for.
 */
export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const metrics = options.metrics ?? noopMetrics;
  const fetchImplementation = options.fetch ?? globalThis.fetch;
  const gateways = options.gateways.map((gateway) => gateway.replace(/\/+$/, ""));
  // A CAR adds its header, one varint and CID per block and the UnixFS nodes: well under 1/8.
  const carLimit = options.maxModuleBytes + Math.ceil(options.maxModuleBytes / 8) + 65_536;

  async function fetchFrom(
    gateway: string,
    moduleCid: ModuleCid,
    signal: AbortSignal,
  ): Promise<Uint8Array> {
    const raw = moduleCid.kind === "raw";
    const url = `${gateway}/ipfs/${moduleCid.cid.toString()}?${raw ? "format=raw" : "format=car&dag-scope=all"}`;
    const response = await fetchImplementation(url, {
      signal,
      redirect: "error",
      headers: {
        Accept: raw ? "application/vnd.ipld.raw" : "application/vnd.ipld.car; version=1",
      },
    });
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      throw Object.assign(new Error(`answered ${response.status}`), { notFound: true });
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`answered ${response.status}`);
    }
    if (raw) {
      const bytes = await readBounded(response, options.maxModuleBytes);
      if (!sha256Matches(bytes, moduleCid.cid)) {
        throw new UnverifiedBytesError("served bytes whose sha2-256 does not match the CID");
      }
      return bytes;
    }
    const car = await readBounded(response, carLimit);
    try {
      return await readUnixfsFileFromCar(car, moduleCid.cid, options.maxModuleBytes);
    } catch (error) {
      if (error instanceof CarVerificationError) {
        throw new UnverifiedBytesError(`served a CAR that fails verification: ${error.message}`);
      }
      throw error;
    }
  }

  return {
    enabled: gateways.length > 0,
    async fetchModule(moduleCid, signal) {
      const attempts: GatewayAttempt[] = [];
      for (const gateway of gateways) {
        signal?.throwIfAborted();
        const timeout = AbortSignal.timeout(timeoutMs);
        const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
        const label = { gateway: new URL(gateway).host };
        try {
          const bytes = await fetchFrom(gateway, moduleCid, combined);
          metrics.increment("relay.modules.gateway_fetch", { ...label, outcome: "ok" });
          return bytes;
        } catch (error) {
          signal?.throwIfAborted();
          let attempt: GatewayAttempt;
          if (timeout.aborted) {
            attempt = { gateway, outcome: "timeout", reason: `no answer within ${timeoutMs} ms` };
          } else if (error instanceof UnverifiedBytesError) {
            attempt = { gateway, outcome: "unverified", reason: error.message };
            metrics.increment("relay.modules.verification_failed", { source: "gateway" });
          } else if ((error as { notFound?: boolean }).notFound) {
            attempt = { gateway, outcome: "not_found", reason: (error as Error).message };
          } else {
            const message = error instanceof Error ? error.message : String(error);
            attempt = { gateway, outcome: "failed", reason: message };
          }
          metrics.increment("relay.modules.gateway_fetch", { ...label, outcome: attempt.outcome });
          attempts.push(attempt);
        }
      }
      throw new GatewayFetchError(moduleCid.cid.toString(), attempts);
    },
  };
}
