/**
 * The reference wasm-relay HTTP server: node:http, Redis adapters, configuration, CLI.
 * @module @wasm-relay/server
 */
export * from "./authorization/index.js";
export * from "./command-output.js";
export * from "./config/server-config.js";
export * from "./events/index.js";
export * from "./http/http-problem.js";
export * from "./identity/api-key-authenticator.js";
export * from "./identity/api-key-file.js";
export * from "./identity/api-key-format.js";
export * from "./identity/authenticator.js";
export * from "./identity/bearer-token.js";
export * from "./identity/create-api-key.js";
export * from "./identity/create-authenticator.js";
export * from "./identity/dev-headers-authenticator.js";
export * from "./identity/identity-environment.js";
export * from "./identity/jwt-authenticator.js";
export * from "./identity/keys-command.js";
export * from "./identity/rate-limit-by-role.js";
export * from "./modules/car-module.js";
export * from "./modules/create-module-resolver.js";
export * from "./modules/default-module-directory.js";
export * from "./modules/file-glyph-registry.js";
export * from "./modules/filesystem-module-store.js";
export * from "./modules/gateway-client.js";
export * from "./modules/layered-module-resolver.js";
export * from "./modules/module-cid.js";
export * from "./modules/module-directory.js";
export * from "./modules/modules-command.js";
export * from "./modules/operator-user.js";
export * from "./modules/preload-modules.js";
export * from "./modules/redis-glyph-registry.js";
export * from "./modules/unixfs-cid.js";
export * from "./observability/index.js";
export * from "./openapi/index.js";
export * from "./relay-server.js";
