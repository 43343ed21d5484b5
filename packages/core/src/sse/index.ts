export * from "./sse-wire-format.js";
