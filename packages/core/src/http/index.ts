export * from "./outcome-to-http.js";
export * from "./problem-document.js";
export * from "./rate-limit-headers.js";
