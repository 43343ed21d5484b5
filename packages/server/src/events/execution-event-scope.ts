import { TERMINAL_EXECUTION_EVENT_TYPES } from "@wasm-relay/core";

// The scope of an event stream is core's (`openRelayEvents` applies it); the server keeps
// these names for its callers.
export {
  ADMIN_ROLE,
  type ExecutionEventScope,
  eventInScope,
  latestExecution,
} from "@wasm-relay/core";

/** Types after which an execution has no further events (core's one definition). */
export const TERMINAL_EXECUTION_EVENTS: ReadonlySet<string> = TERMINAL_EXECUTION_EVENT_TYPES;
