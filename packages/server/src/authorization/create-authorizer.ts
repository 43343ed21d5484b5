import type { Authorizer, Metrics } from "@wasm-relay/core";
import { allowAllAuthorizer } from "@wasm-relay/core";
import type { ServerConfig } from "../config/server-config.js";
import { ConfigurationError } from "../config/server-config.js";
import { createHttpAuthorizer } from "./http-authorizer.js";
import { watchPolicyFile } from "./policy-file-watcher.js";

/** Side channels of {@link createAuthorizerFromConfig}. */
export interface CreateAuthorizerOptions {
  /** Receives the `http` authorizer's counters. @default no-op */
  metrics?: Metrics;
  /** Receives policy-file reloads and reload failures. @default console.error */
  log?: (message: string) => void;
}

/**
 * Builds the authorizer ("Antigone") `RELAY_AUTHORIZER` names: core's `allowAllAuthorizer`,
 * a policy file (validated now, so that a bad rule stops start-up; followed when it changes)
 * or a remote decision point.
 * @throws ConfigurationError when the variable the choice needs is unset.
 * @throws PolicyFileError pointing at each bad rule of the policy file.
 */
export async function createAuthorizerFromConfig(
  config: ServerConfig,
  options: CreateAuthorizerOptions = {},
): Promise<Authorizer> {
  switch (config.RELAY_AUTHORIZER) {
    case "allow-all":
      return allowAllAuthorizer;
    case "policy-file":
      if (!config.RELAY_POLICY_FILE) {
        throw new ConfigurationError([
          "RELAY_POLICY_FILE: required by RELAY_AUTHORIZER=policy-file",
        ]);
      }
      return watchPolicyFile({
        file: config.RELAY_POLICY_FILE,
        ...(options.log ? { log: options.log } : {}),
      });
    case "http":
      if (!config.RELAY_AUTHORIZER_URL) {
        throw new ConfigurationError(["RELAY_AUTHORIZER_URL: required by RELAY_AUTHORIZER=http"]);
      }
      return createHttpAuthorizer({
        url: config.RELAY_AUTHORIZER_URL,
        format: config.RELAY_AUTHORIZER_FORMAT,
        timeoutMs: config.RELAY_AUTHORIZER_TIMEOUT,
        cacheTtlMs: config.RELAY_AUTHORIZER_CACHE_TTL,
        token: config.RELAY_AUTHORIZER_TOKEN,
        ...(options.metrics ? { metrics: options.metrics } : {}),
      });
  }
}
