import { createHash } from 'crypto';
import { DatabaseRecord } from '../schema';

/**
 * What the double records in a BACKUP_MANIFEST. CockroachDB writes a protobuf
 * (backuppb.BackupManifest: descriptors, files, spans; optionally compressed and
 * encrypted); the double writes JSON with the fields it needs. Every layer, full or
 * incremental, lists every database and table of the cluster at its end time (each
 * manifest carries all descriptors), and the data files it wrote for each table.
 */
export interface BackupManifest {
  readonly clusterId: string;
  readonly kind: 'full' | 'incremental';
  /** ISO time; null for a full backup. */
  readonly startTime: string | null;
  readonly endTime: string;
  /**
   * The exact start and end (hlc.Timestamp, as `<wall nanos>.<10-digit logical>`, hlc.ts):
   * CockroachDB's manifest keeps StartTime and EndTime so; RESTORE compares with them.
   */
  readonly startHlc: string | null;
  readonly endHlc: string;
  readonly revisionHistory: boolean;
  readonly databases: readonly ManifestDatabase[];
}

export interface ManifestDatabase {
  readonly name: string;
  /**
   * When the database was created (ISO), if during the test: CockroachDB's manifest of a
   * revision-history backup keeps every descriptor revision (DescriptorChanges), so RESTORE
   * knows whether the database existed at a time inside the layer.
   */
  readonly createdAt?: string;
  /** The owner at backup time: a full cluster restore brings it back. */
  readonly owner: string;
  readonly tables: readonly ManifestTable[];
}

export interface ManifestTable {
  readonly name: string;
  /** Logical size and row count (SHOW BACKUP's size_bytes and rows). */
  readonly sizeBytes: number;
  readonly rows: number;
  readonly files: readonly ManifestFile[];
}

/**
 * One SST of a layer. CockroachDB checksums each key-value inside an SST; the double keeps
 * one SHA-256 per file, which a restore with verify_backup_table_data compares.
 */
export interface ManifestFile {
  /** Relative to the layer's directory: `data/<n>.sst`. */
  readonly path: string;
  readonly sizeBytes: number;
  readonly checksum: string;
}

/** A layer ready to write: its manifest and the contents of its data files. */
export interface LayerContents {
  readonly manifest: BackupManifest;
  readonly files: ReadonlyMap<string, Buffer>;
}

/** Per table and layer: what a full backup and an incremental export (the double backs up no real rows). */
const TABLE_SIZE = { full: { sizeBytes: 1024, rows: 100 }, incremental: { sizeBytes: 256, rows: 10 } } as const;

export function fileChecksum(contents: Buffer): string {
  return createHash('sha256').update(contents).digest('hex');
}

/**
 * SST names are unique_rowid()-like numbers (the docs show `data/797981063156727810.sst`);
 * one counter per process keeps them unique across layers and doubles.
 */
let lastFileNumber = 800_000_000_000_000_000n + BigInt(Date.now()) * 1000n;

function nextFileName(): string {
  lastFileNumber += 1n + BigInt(Math.floor(Math.random() * 1000));
  return `data/${lastFileNumber}.sst`;
}

export interface LayerHeader {
  readonly clusterId: string;
  readonly kind: 'full' | 'incremental';
  readonly startTime: string | null;
  readonly endTime: string;
  readonly startHlc: string | null;
  readonly endHlc: string;
  readonly revisionHistory: boolean;
}

/** A cluster backup's layer of these databases: one data file per table, deterministic contents. */
export function buildLayer(header: LayerHeader, databases: readonly DatabaseRecord[]): LayerContents {
  const files = new Map<string, Buffer>();
  const size = TABLE_SIZE[header.kind];
  const manifestDatabases = databases.map(
    (database): ManifestDatabase => ({
      name: database.name,
      ...(database.createdAt === undefined ? {} : { createdAt: database.createdAt }),
      owner: database.owner,
      tables: database.tables.map((table): ManifestTable => {
        const path = nextFileName();
        const contents = Buffer.from(`sst:${header.clusterId}:${header.endTime}:${database.name}.${table}\n`.padEnd(size.sizeBytes, '.'));
        files.set(path, contents);
        return { name: table, ...size, files: [{ path, sizeBytes: contents.length, checksum: fileChecksum(contents) }] };
      }),
    }),
  );
  return { manifest: { ...header, databases: manifestDatabases }, files };
}

/** Every data file of a layer. */
export function layerFiles(manifest: BackupManifest): readonly ManifestFile[] {
  return manifest.databases.flatMap((database) => database.tables.flatMap((table) => table.files));
}

/** What a layer holds in total (a blocking BACKUP's rows and bytes). */
export function layerTotals(manifest: BackupManifest): { readonly rows: number; readonly sizeBytes: number } {
  const tables = manifest.databases.flatMap((database) => database.tables);
  return { rows: tables.reduce((sum, t) => sum + t.rows, 0), sizeBytes: tables.reduce((sum, t) => sum + t.sizeBytes, 0) };
}
