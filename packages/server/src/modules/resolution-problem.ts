import {
  ModuleNotFoundError,
  ModuleVerificationError,
  UnsupportedModuleReferenceError,
} from "@wasm-relay/core";
import { type HttpProblem, httpProblem } from "../http/http-problem.js";

/**
 * Maps a resolver failure to its problem document: 400 for a reference that is no CID or uses
 * an unsupported codec or hash, 404 when nothing answers, 422 when bytes failed verification.
 * @param path where the reference came from, for `details` (e.g. `cid`, `body.cid`).
 * @returns `undefined` for any other error (an infrastructure failure: let it become a 500).
 */
export function resolutionProblem(
  error: unknown,
  reference: string,
  path: string,
): HttpProblem | undefined {
  if (error instanceof UnsupportedModuleReferenceError || error instanceof TypeError) {
    return httpProblem(400, "unsupported-module-reference", "Unsupported module reference", {
      detail: error.message,
      details: [{ path, message: error.message }],
    });
  }
  if (error instanceof ModuleNotFoundError) {
    const message = `no module answers to ${reference}`;
    return httpProblem(404, "module-not-found", "Module not found", {
      detail: message,
      details: [{ path, message }],
    });
  }
  if (error instanceof ModuleVerificationError) {
    return httpProblem(422, "module-unverified", "Module failed verification", {
      detail: error.message,
      details: [{ path, message: error.message }],
    });
  }
  return undefined;
}
