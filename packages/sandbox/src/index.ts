export { InvalidModuleError } from "./binary/invalid-module-error.js";
export {
  createSandboxExecutor,
  type SandboxExecutor,
  type SandboxExecutorOptions,
  type SandboxExecutorStats,
} from "./create-sandbox-executor.js";
