export * from "./config/server-config.js";
export * from "./http/http-problem.js";
export * from "./identity/authenticator.js";
export * from "./identity/dev-headers-authenticator.js";
export * from "./modules/default-module-directory.js";
export * from "./modules/module-directory.js";
export * from "./relay-server.js";
