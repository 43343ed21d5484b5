export * from "./caller-security-scheme.js";
export * from "./module-schemas.js";
export * from "./openapi-document.js";
export * from "./openapi-schemas.js";
export * from "./route-responses.js";
export * from "./route-template-matcher.js";
