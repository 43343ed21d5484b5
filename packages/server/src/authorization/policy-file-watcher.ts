import { stat } from "node:fs/promises";
import type { Authorizer } from "@wasm-relay/core";
import { loadPolicyFile } from "./load-policy-file.js";
import { createPolicyFileAuthorizer } from "./policy-file-authorizer.js";

/** Options of {@link watchPolicyFile}. */
export interface PolicyFileWatchOptions {
  /** The policy file (`RELAY_POLICY_FILE`). */
  file: string;
  /** How often the file is checked for changes; 0 never checks. @unit milliseconds @default 2000 */
  reloadIntervalMs?: number;
  /** Receives reloads and reload failures. @default console.error */
  log?: (message: string) => void;
}

/**
 * A policy-file authorizer that follows its file: a change is validated and takes effect within
 * the reload interval (checked off the request path); an invalid change is logged and the
 * rules in force stay, so a typo never opens or closes everything.
 * @throws PolicyFileError (from the factory) when the file is invalid at start-up.
 */
export async function watchPolicyFile(options: PolicyFileWatchOptions): Promise<Authorizer> {
  const log = options.log ?? ((message: string) => console.error(message));
  const reloadIntervalMs = options.reloadIntervalMs ?? 2000;
  let current = createPolicyFileAuthorizer(await loadPolicyFile(options.file));
  let version = await fileVersion(options.file);
  let lastCheck = Date.now();
  let checking = false;

  async function reload(): Promise<void> {
    try {
      const seen = await fileVersion(options.file);
      if (seen === version) return;
      version = seen;
      current = createPolicyFileAuthorizer(await loadPolicyFile(options.file));
      log(`policy file ${options.file} reloaded`);
    } catch (error) {
      log(`warning: policy file not reloaded, the previous rules stay in force: ${String(error)}`);
    } finally {
      checking = false;
    }
  }

  return {
    authorize(request) {
      if (reloadIntervalMs > 0 && !checking && Date.now() - lastCheck >= reloadIntervalMs) {
        checking = true;
        lastCheck = Date.now();
        void reload();
      }
      return current.authorize(request);
    },
  };
}

async function fileVersion(path: string): Promise<string> {
  const info = await stat(path);
  return `${info.ino}:${info.size}:${info.mtimeMs}`;
}
