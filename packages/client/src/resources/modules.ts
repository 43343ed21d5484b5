import type { RequestOptions } from "../client-options.js";
import { ResponseValidationError } from "../errors/transport-errors.js";
import type { HttpTransport } from "../transport/http-transport.js";
import { requestOptions, requireText } from "./call-arguments.js";

/** Answer of `POST /modules`. */
export interface UploadedModule {
  /** CIDv1 (raw codec, sha2-256, base32) of the bytes: use it as an execute request's `cid`. */
  cid: string;
  /** Size of the module. @unit bytes */
  size: number;
  /** Other CIDs naming the same bytes (e.g. the CIDv0 form), when the relay lists them. */
  aliases: string[];
}

/** `client.modules`: content-addressed WebAssembly modules. */
export interface ModulesResource {
  /**
   * Uploads a WebAssembly module (`POST /modules`, `application/wasm`). The same bytes always
   * get the same CID, so retrying an upload is safe.
   * Answers the same CID for bytes already stored.
   * @throws UnprocessableEntityError (422) when the bytes are not WebAssembly; ValidationError
   *   (400) when empty; RelayError with status 413 when too large, 415 for a wrong media type.
   */
  upload(
    module: Uint8Array | ArrayBuffer | Blob,
    options?: RequestOptions,
  ): Promise<UploadedModule>;
  /**
   * Downloads a module's bytes (`GET /modules/:cid`).
   * @throws NotFoundError when the relay has no module with that CID.
   */
  get(cid: string, options?: RequestOptions): Promise<Uint8Array>;
}

/** Builds `client.modules`. */
export function createModulesResource(transport: HttpTransport): ModulesResource {
  return {
    async upload(module, options = {}) {
      const answer = await transport.request(
        {
          ...requestOptions(options),
          method: "POST",
          path: "modules",
          body: module as BodyInit,
          headers: { ...options.headers, "content-type": "application/wasm" },
        },
        "json",
      );
      const body = answer.data as Partial<UploadedModule> | null | undefined;
      if (typeof body?.cid !== "string" || typeof body.size !== "number") {
        throw new ResponseValidationError("the upload answer lacks `cid` or `size`", {
          status: answer.status,
          headers: answer.headers,
        });
      }
      const aliases = Array.isArray(body.aliases)
        ? body.aliases.filter((alias): alias is string => typeof alias === "string")
        : [];
      return { cid: body.cid, size: body.size, aliases };
    },
    async get(cid, options = {}) {
      requireText("cid", cid);
      const answer = await transport.request(
        {
          ...requestOptions(options),
          method: "GET",
          path: `modules/${encodeURIComponent(cid)}`,
          headers: { ...options.headers, accept: "application/wasm" },
        },
        "bytes",
      );
      return answer.data;
    },
  };
}
