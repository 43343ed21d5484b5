import type { ServerConfig } from "../config/server-config.js";

/** Where the execution queue lives: its BullMQ name and key prefix, from the configuration. */
export function queueLocation(config: ServerConfig): { queueName: string; prefix: string } {
  return {
    queueName: config.RELAY_QUEUE_NAME,
    prefix: config.RELAY_QUEUE_PREFIX ?? `${config.REDIS_KEY_PREFIX}queue`,
  };
}
