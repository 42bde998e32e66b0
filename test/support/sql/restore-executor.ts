import { Cluster } from '../cluster';
import { FileToRead, RestorePlan, restoreWork } from '../jobs/restore-work';
import { DatabaseRecord, SYSTEM_DATABASE } from '../schema';
import { Session } from '../session';
import { ManifestDatabase } from '../storage/backup-manifest';
import { S3Location, parseStorageUri, sanitizeStorageUri } from '../storage/storage-uri';
import { evaluateAsOfHlc } from './as-of';
import { Hlc, hlcDate, nowHlc } from '../hlc';
import { Layer, readChain, storageLocation, withStore } from './collection-reads';
import { blockingResult, detachedResult } from './bulk-job-result';
import { Cursor } from './cursor';
import { RestoreStatement, parseRestore, restoreDescription } from './restore-statement';
import { planningError } from './sql-error';
import { checkRestorePrivileges } from './restore-privileges';
import { layersAt } from './restore-point';
import { ResultSet } from './values';

/** The databases a fresh cluster has, which a full cluster restore replaces (catalogkeys.DefaultUserDBs). */
const DEFAULT_USER_DATABASES = ['defaultdb', 'postgres'];

/** restorePlanHook's checks of the options, before anything is read. */
function checkOptions(statement: RestoreStatement): void {
  if (!statement.schemaOnly && statement.verifyData) {
    throw planningError('to set the verify_backup_table_data option, the schema_only option must be set');
  }
  if (statement.newDbName !== undefined && (statement.databases === undefined || statement.databases.length !== 1)) {
    throw planningError('new_db_name can only be used for RESTORE DATABASE with a single target database');
  }
}

/**
 * checkForConflictingDescriptors: a full cluster restore needs a cluster without user
 * objects (defaultdb and postgres count only when they hold tables). Descriptors are named
 * in ID order: each database, its public schema, its tables.
 */
function checkEmptyCluster(cluster: Cluster): void {
  const names: string[] = [];
  for (const database of cluster.databases.values()) {
    if (database.name === SYSTEM_DATABASE.name) continue;
    if (!DEFAULT_USER_DATABASES.includes(database.name)) names.push(database.name, 'public');
    names.push(...database.tables);
  }
  if (names.length > 0) {
    const shown = names.length > 20 ? [...names.slice(0, 20), '...'] : names;
    throw planningError(`full cluster restore can only be run on a cluster with no tables or databases but found ${names.length} descriptors: ${shown.join(', ')}`);
  }
}

/**
 * selectTargets, wrapped by doRestorePlan: each database must exist in the backup at the
 * restore time: it is in the covering layer (whose manifest lists the databases at its end)
 * and, for a time inside the layer, was created before that time (the layer's descriptor
 * revisions). The system database is not a database restore's target.
 */
function selectDatabases(statement: RestoreStatement, covering: Layer, asOf: Hlc | undefined): readonly ManifestDatabase[] {
  const existed = (database: ManifestDatabase): boolean => asOf === undefined || database.createdAt === undefined || Date.parse(database.createdAt) < hlcDate(asOf).getTime();
  const inBackup = covering.manifest.databases.filter((database) => database.name !== SYSTEM_DATABASE.name && existed(database));
  if (statement.databases === undefined) return inBackup;
  return statement.databases.map((name) => {
    const found = inBackup.find((database) => database.name === name);
    if (found !== undefined) return found;
    const cause = statement.asOf === undefined ? `database "${name}" does not exist` : `database "${name}" does not exist: supplied backups do not cover requested time`;
    throw planningError(`failed to resolve targets in the BACKUP location specified by the RESTORE statement, use SHOW BACKUP to find correct targets: ${cause}`);
  });
}

interface Planned {
  readonly plan: RestorePlan;
  readonly resolvedSubdir: string;
}

async function planRestore(statement: RestoreStatement, session: Session, cluster: Cluster, asOf: Hlc | undefined): Promise<Planned> {
  const location: S3Location = storageLocation(statement.uri, session, cluster);
  return withStore(location, async (store) => {
    const chain = await readChain(store, statement.subdir);
    const layers = layersAt(chain, asOf);
    const selected = selectDatabases(statement, layers[layers.length - 1], asOf);
    // allocateDescriptorRewrites: a database to create must not exist (errors.Errorf).
    const names = selected.map((database) => statement.newDbName ?? database.name);
    const taken = statement.databases === undefined ? [] : names.filter((name) => cluster.databaseNameTaken(name));
    if (taken.length > 0) throw planningError(`database "${taken[0]}" already exists`);
    const readsData = !statement.schemaOnly || statement.verifyData;
    const files: FileToRead[] = [];
    let rows = 0;
    let sizeBytes = 0;
    for (const layer of layers) {
      for (const database of layer.manifest.databases.filter((d) => selected.some((s) => s.name === d.name))) {
        for (const table of database.tables) {
          rows += table.rows;
          sizeBytes += table.sizeBytes;
          if (readsData) files.push(...table.files.map((file) => ({ relative: `${layer.directory}/${file.path}`, checksum: file.checksum })));
        }
      }
    }
    // A database restore's objects belong to the restoring user (pkg/sql/catalog/catprivilege,
    // CreatePrivilegesFromDefaultPrivileges: "the appropriate owner (node for system, the
    // restoring user otherwise)"; that the database descriptor itself gets it is *unconfirmed*);
    // a cluster restore brings back the backup's users and privileges, so its owners.
    const databases = selected.map(
      (database, i): DatabaseRecord => ({
        name: names[i],
        owner: statement.databases === undefined ? database.owner : session.user,
        tables: database.tables.map((table) => table.name),
      }),
    );
    // schema_only writes no rows; verify_backup_table_data counts what it read and discards it (*unconfirmed*).
    const totals = statement.schemaOnly ? { rows: statement.verifyData ? rows : 0, sizeBytes: 0 } : { rows, sizeBytes };
    return {
      plan: { location, files, databases, replacesDefaultDatabases: statement.databases === undefined, totals },
      resolvedSubdir: chain[0].directory,
    };
  });
}

/**
 * RESTORE (pkg/backup/restore_planning.go, restorePlanHook and doRestorePlan): option
 * checks, the transaction rule, privileges, then planning reads the chain from storage,
 * so that a missing LATEST, a time outside the chain, an unknown database or a taken name
 * are statement errors; the job only reads the data files. DETACHED returns the job id at
 * once; otherwise the statement waits for the job and returns BACKUP's blocking columns.
 */
export async function executeRestore(cursor: Cursor, session: Session, cluster: Cluster): Promise<ResultSet> {
  const statement = parseRestore(cursor);
  checkOptions(statement);
  if (!statement.detached && session.transaction !== 'idle') {
    throw planningError('RESTORE cannot be used inside a multi-statement transaction without DETACHED option');
  }
  const notices = checkRestorePrivileges(statement, session, cluster);
  const asOf = statement.asOf === undefined ? undefined : evaluateAsOfHlc(statement.asOf, nowHlc(cluster.environment.now()));
  if (statement.databases === undefined) checkEmptyCluster(cluster);
  const { plan, resolvedSubdir } = await planRestore(statement, session, cluster, asOf);
  const parsed = parseStorageUri(statement.uri);
  const description = restoreDescription(statement, parsed.scheme === 'external' ? statement.uri : sanitizeStorageUri(statement.uri), resolvedSubdir);
  const names = plan.databases.map((database) => database.name);
  for (const name of names) cluster.restoringDatabases.add(name);
  const work = restoreWork(plan, {
    create: (databases, replacesDefaults) => {
      if (replacesDefaults) for (const name of DEFAULT_USER_DATABASES) cluster.databases.delete(name);
      for (const database of databases) cluster.databases.set(database.name, database);
    },
    release: () => {
      for (const name of names) cluster.restoringDatabases.delete(name);
    },
  });
  const job = cluster.jobs.create({ type: 'RESTORE', description, statement: description, userName: session.user, work });
  if (session.transaction === 'idle') cluster.jobs.release(job);
  else session.pendingJobs.push(job);
  const result = statement.detached ? detachedResult(job, 'RESTORE') : await blockingResult(job, work.totals, cluster, 'RESTORE');
  return { ...result, notices };
}
