export * from "./execution-event-scope.js";
export * from "./relay-event-feed.js";
export * from "./relay-events.js";
export * from "./terminal-events.js";
