export { isPidAlive } from "./lock.js";
export { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from "./migrations.js";
export type {
  NotificationIntent,
  NotificationKey,
  NotificationKind,
  NotificationRecord,
  NotificationState,
} from "./notifications.js";
export { TASK_ROW_COLUMNS } from "./rows.js";
export { runUnfinished } from "./runs.js";
export { openStore, type Store, type StoreOptions } from "./store.js";
export * from "./types.js";
