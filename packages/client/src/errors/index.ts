export * from "./error-from-response.js";
export * from "./function-execution-error.js";
export * from "./http-errors.js";
export * from "./relay-error.js";
export * from "./transport-errors.js";
