export * from "./create-event-bus.js";
export * from "./execution-event-scope.js";
export * from "./redis-event-bus.js";
export * from "./redis-stream-id.js";
