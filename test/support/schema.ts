/**
 * The databases and tables of the simulated cluster. The double keeps names only (no
 * rows): a backup records them in its manifest with one data file per table, and a
 * restore recreates them under the restored name.
 */
export interface DoubleDatabase {
  readonly name: string;
  /** Tables in the `public` schema. @default [] */
  readonly tables?: readonly string[];
  /** @default 'root' */
  readonly owner?: string;
}

export interface DatabaseRecord {
  readonly name: string;
  readonly owner: string;
  readonly tables: readonly string[];
  /** When it was created (ISO), for one created while the double ran; undefined: from the start. */
  readonly createdAt?: string;
}

/** What a fresh cluster has besides `system`: `defaultdb` (here with one table) and an empty `postgres`, both owned by root. */
export const DEFAULT_DATABASES: readonly DoubleDatabase[] = [
  { name: 'defaultdb', tables: ['kv'] },
  { name: 'postgres', tables: [] },
];

/**
 * The system database, owned by `node` (SHOW DATABASES), always present. A cluster backup
 * includes a subset of its tables (SHOW BACKUP of a cluster backup lists `system` and
 * tables such as users, zones, settings: docs show-backup.md); the double models these.
 */
export const SYSTEM_DATABASE: DatabaseRecord = { name: 'system', owner: 'node', tables: ['users', 'zones', 'settings', 'role_members'] };

export function databaseRecord(database: DoubleDatabase): DatabaseRecord {
  return { name: database.name, owner: database.owner ?? 'root', tables: [...(database.tables ?? [])] };
}
