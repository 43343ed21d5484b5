import type { Authorizer } from "@wasm-relay/core";
import { createSemanticFingerprinter, parseModuleReference } from "@wasm-relay/core";
import { requirePermission } from "../authorization/require-permission.js";
import { httpProblem } from "../http/http-problem.js";
import { readBody } from "../http/read-json-body.js";
import { defineRoute, pathParameter, schemaComponent } from "../http/route-definition.js";
import type { RouteHandler } from "../http/route-table.js";
import { writeJson } from "../http/write-answer.js";
import type { Authenticator } from "../identity/authenticator.js";
import { isWebAssembly } from "../modules/is-web-assembly.js";
import type { LayeredModuleResolver } from "../modules/layered-module-resolver.js";
import { resolutionProblem } from "../modules/resolution-problem.js";
import { moduleUploadedSchema } from "../openapi/module-schemas.js";
import {
  internalErrorResponse,
  jsonResponse,
  problemResponse,
  unauthenticatedResponse,
} from "../openapi/route-responses.js";
import type { ModuleRouteDependencies } from "./route-dependencies.js";

/** The fingerprinter the pipeline uses by default (the relay's result cache keys on it). */
const fingerprinter = createSemanticFingerprinter();

/** Media type of WebAssembly modules. */
export const WASM_CONTENT_TYPE = "application/wasm";

/**
 * `POST /modules`: an authenticated user uploads WebAssembly bytes (`Content-Type:
 * application/wasm`, at most `maxModuleBytes`). Answers `201 {cid, size, aliases}` whether or not
 * the same bytes were already stored (the answer must not tell one user what another uploaded),
 * and a problem document otherwise: 401, 403 (Antigone, action `upload_module`), 415 (media
 * type), 413 (too large), 400 (empty), 422 (not valid WebAssembly).
 */
export function uploadModuleRoute(options: {
  resolver: LayeredModuleResolver;
  authenticator: Authenticator;
  authorizer: Authorizer;
  maxModuleBytes: number;
}): RouteHandler {
  return async ({ request, response }) => {
    const identity = await options.authenticator.authenticate(request.headers);
    const contentType = request.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
    if (contentType !== WASM_CONTENT_TYPE) {
      request.resume();
      throw httpProblem(415, "unsupported-media-type", "Unsupported media type", {
        detail: `send the module as ${WASM_CONTENT_TYPE}, not ${contentType ?? "no content type"}`,
      });
    }
    await requirePermission(options.authorizer, identity, "upload_module", "modules").catch(
      (error: unknown) => {
        request.resume();
        throw error;
      },
    );
    const bytes = await readBody(request, options.maxModuleBytes);
    if (bytes.length === 0) {
      throw httpProblem(400, "empty-module", "Empty module", {
        detail: "the request body is empty; send the bytes of a WebAssembly module",
        details: [{ path: "(body)", message: "empty body" }],
      });
    }
    if (!isWebAssembly(bytes)) {
      const message =
        bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73
          ? "the body starts like WebAssembly but does not validate"
          : "the body is not WebAssembly (it lacks the \\0asm magic number)";
      throw httpProblem(422, "invalid-module", "Invalid WebAssembly module", {
        detail: message,
        details: [{ path: "(body)", message }],
      });
    }
    const added = await options.resolver.add(bytes);
    writeJson(
      response,
      201,
      { cid: added.cid, size: added.size, aliases: added.aliases },
      { Location: `/modules/${added.cid}` },
    );
  };
}

/**
 * `GET /modules/:cid`: the verified bytes a CID names (any layer: memory, store, gateways), as
 * `application/wasm` with an immutable `ETag`, for an authenticated caller the authorizer lets
 * `read_module` the CID as written (asked before anything is resolved: a refused caller learns
 * nothing of the module and makes the relay fetch nothing), with its semantic fingerprint in
 * `Relay-Module-Fingerprint`. 401 without credentials, 403 when
 * refused, 400 for a reference that is no supported CID, 404 when nothing answers, 422 when the
 * only bytes found failed verification.
 */
export function downloadModuleRoute(options: {
  resolver: LayeredModuleResolver;
  authenticator: Authenticator;
  authorizer: Authorizer;
}): RouteHandler {
  return async ({ request, response, parameters }) => {
    const identity = await options.authenticator.authenticate(request.headers);
    const reference = parameters.cid ?? "";
    if (parseModuleReference(reference)?.kind !== "cid") {
      const message = `${JSON.stringify(reference)} is not a CID`;
      throw httpProblem(400, "invalid-request", "Invalid request", {
        detail: message,
        details: [{ path: "cid", message }],
      });
    }
    await requirePermission(options.authorizer, identity, "read_module", reference);
    let module: Awaited<ReturnType<LayeredModuleResolver["resolve"]>>;
    try {
      module = await options.resolver.resolve(reference);
    } catch (error) {
      throw resolutionProblem(error, reference, "cid") ?? error;
    }
    const etag = `"${module.cid}"`;
    // Bytes that are no readable module (a gateway may serve anything verified) have none.
    const fingerprint = await fingerprinter.fingerprint(module).catch(() => undefined);
    const headers = {
      "Content-Type": WASM_CONTENT_TYPE,
      ETag: etag,
      // Private: the answer depends on the caller's credentials, so shared caches must not keep it.
      "Cache-Control": "private, max-age=31536000, immutable",
      "X-Resolved-Cid": module.cid,
      ...(fingerprint ? { "Relay-Module-Fingerprint": fingerprint } : {}),
    };
    if (request.headers["if-none-match"] === etag) {
      response.writeHead(304, headers);
      response.end();
      return;
    }
    response.writeHead(200, { ...headers, "Content-Length": module.bytes.length });
    response.end(request.method === "HEAD" ? undefined : module.bytes);
  };
}

const wasmBody = {
  [WASM_CONTENT_TYPE]: { schema: { type: "string", contentMediaType: WASM_CONTENT_TYPE } },
};

/** `POST /modules`. */
export const uploadModuleRouteDefinition = defineRoute<ModuleRouteDependencies>({
  method: "POST",
  path: "/modules",
  operationId: "uploadModule",
  summary: "Upload a WebAssembly module",
  description:
    "Stores the bytes content-addressed. The same bytes again answer 201 with the same body and no second copy: the answer never tells whether someone had uploaded them before.",
  tags: ["modules"],
  security: "caller",
  requestBody: { required: true, content: wasmBody },
  responses: {
    "201": jsonResponse(
      "The bytes are stored.",
      schemaComponent("ModuleUploaded", moduleUploadedSchema, "output"),
      { Location: { description: "`/modules/{cid}`.", schema: { type: "string" } } },
    ),
    "400": problemResponse("The body is empty."),
    "401": unauthenticatedResponse,
    "403": problemResponse("The authorizer refused (action `upload_module`)."),
    "413": problemResponse("The module is larger than `RELAY_MAX_MODULE_BYTES`."),
    "415": problemResponse("The body is not `application/wasm`."),
    "422": problemResponse("The body is not valid WebAssembly."),
    "500": internalErrorResponse,
  },
  handler: (dependencies) =>
    uploadModuleRoute({
      resolver: dependencies.resolver,
      authenticator: dependencies.authenticator,
      authorizer: dependencies.authorizer,
      maxModuleBytes: dependencies.config.RELAY_MAX_MODULE_BYTES,
    }),
});

/** `GET /modules/{cid}`. */
export const downloadModuleRouteDefinition = defineRoute<ModuleRouteDependencies>({
  method: "GET",
  path: "/modules/{cid}",
  operationId: "downloadModule",
  summary: "Download a module's verified bytes",
  description:
    "For an authenticated caller the authorizer lets `read_module` the CID (asked before anything is resolved).",
  tags: ["modules"],
  security: "caller",
  parameters: [pathParameter("cid", "CIDv0 or CIDv1 of the module.")],
  responses: {
    "200": {
      description: "The module's bytes (immutable).",
      headers: {
        ETag: { description: "The CID, quoted.", schema: { type: "string" } },
        "X-Resolved-Cid": { description: "CIDv1 (raw) of the bytes.", schema: { type: "string" } },
        "Relay-Module-Fingerprint": {
          description:
            "The module's semantic identity: the CIDv1 (raw) of its bytes without custom sections (names, debug info, producers), section sizes in shortest form. Modules that differ only in metadata share it, and with it result-cache entries. Absent for bytes that are no readable module.",
          schema: { type: "string" },
        },
      },
      content: wasmBody,
    },
    "304": { description: "`If-None-Match` matched." },
    "400": problemResponse("The reference is not a supported CID."),
    "401": unauthenticatedResponse,
    "403": problemResponse("The authorizer refused (action `read_module`)."),
    "404": problemResponse("No module answers to the CID."),
    "422": problemResponse("The only bytes found failed verification."),
    "500": internalErrorResponse,
  },
  handler: (dependencies) =>
    downloadModuleRoute({
      resolver: dependencies.resolver,
      authenticator: dependencies.authenticator,
      authorizer: dependencies.authorizer,
    }),
});
