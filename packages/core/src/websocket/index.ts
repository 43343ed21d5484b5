export * from "./websocket-close-codes.js";
export * from "./websocket-messages.js";
