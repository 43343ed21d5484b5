export * from "./cancel-outcome-to-http.js";
export * from "./outcome-to-http.js";
export * from "./problem-document.js";
export * from "./rate-limit-headers.js";
