import { glyphRegistryConformance } from "../testing/glyph-registry-conformance.js";
import { moduleStoreConformance } from "../testing/module-store-conformance.js";
import { createMemoryGlyphRegistry } from "./memory-glyph-registry.js";
import { createMemoryModuleStore } from "./memory-module-store.js";

moduleStoreConformance({ name: "memory", create: () => createMemoryModuleStore() });
glyphRegistryConformance({ name: "memory", create: () => createMemoryGlyphRegistry() });
