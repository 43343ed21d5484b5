import type { Authorizer } from "../ports/authorizer.js";
import type { EventBus } from "../ports/event-bus.js";
import type { Identity } from "../ports/identity.js";
import type { RelayEventStream, RelayEventsOptions } from "./relay-events.js";
import {
  authorizeEventRead,
  EventsPermissionDeniedError,
  EventsUnavailableError,
  openRelayEvents,
} from "./relay-events.js";

/**
 * `relay.events(identity, options)`: the execution events `identity` may see, as an async
 * iterable (see {@link openRelayEvents} for scope, replay, resume, gap and backpressure).
 * @throws EventsPermissionDeniedError when the authorizer refuses `read_events`;
 *   EventsUnavailableError when the relay has no event bus; the errors of {@link openRelayEvents}.
 */
export type RelayEventFeed = (
  identity: Identity,
  options?: RelayEventsOptions,
) => Promise<RelayEventStream>;

/** Builds a relay's `events` from its bus (none: every call throws) and its authorizer. */
export function createRelayEventFeed(
  bus: EventBus | undefined,
  authorizer: Authorizer,
): RelayEventFeed {
  return async (identity, options = {}) => {
    if (!bus) {
      throw new EventsUnavailableError("the relay has no event bus (RelayDependencies.bus)");
    }
    const decision = await authorizeEventRead(authorizer, identity, options);
    if (!decision.allowed)
      throw new EventsPermissionDeniedError(decision.reason ?? "not permitted");
    return openRelayEvents(bus, identity, options);
  };
}
