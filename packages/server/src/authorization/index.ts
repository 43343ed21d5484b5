export * from "./authorization-environment.js";
export * from "./create-authorizer.js";
export * from "./decision-cache.js";
export * from "./http-authorizer.js";
export * from "./load-policy-file.js";
export * from "./policy-document.js";
export * from "./policy-file-authorizer.js";
export * from "./resource-pattern.js";
