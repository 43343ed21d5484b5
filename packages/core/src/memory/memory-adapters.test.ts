import { eventBusConformance } from "../testing/event-bus-conformance.js";
import { idempotencyStoreConformance } from "../testing/idempotency-store-conformance.js";
import { rateLimitStoreConformance } from "../testing/rate-limit-store-conformance.js";
import { createMemoryEventBus } from "./memory-event-bus.js";
import { createMemoryIdempotencyStore } from "./memory-idempotency-store.js";
import { createMemoryRateLimitStore } from "./memory-rate-limit-store.js";

rateLimitStoreConformance({ name: "memory", create: () => createMemoryRateLimitStore() });
idempotencyStoreConformance({ name: "memory", create: () => createMemoryIdempotencyStore() });
eventBusConformance({ name: "memory", create: () => createMemoryEventBus() });
