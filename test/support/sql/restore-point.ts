import { GC_TTL_MS } from '../jobs/backup-work';
import { goTimeString } from '../time-format';
import { Layer } from './collection-reads';
import { planningError } from './sql-error';

/**
 * The layers a restore as of `asOf` needs (backupdest, ResolveBackupManifests and its
 * time check): the chain up to the layer whose (start, end] holds the time. A time other
 * than a layer's end needs that layer to have revision history, and a full backup's
 * history starts only at its GC threshold (RevisionStartTime: the double takes end minus
 * gc.ttlseconds, 4 h).
 */
export function layersAt(chain: readonly Layer[], asOf: Date | undefined): readonly Layer[] {
  if (asOf === undefined) return chain;
  const t = asOf.getTime();
  for (let i = 0; i < chain.length; i++) {
    const manifest = chain[i].manifest;
    const start = manifest.startTime === null ? Number.NEGATIVE_INFINITY : new Date(manifest.startTime).getTime();
    const end = new Date(manifest.endTime).getTime();
    if (!(start < t && t <= end)) continue;
    if (t !== end) {
      if (!manifest.revisionHistory) {
        const prefix = "invalid RESTORE timestamp: restoring to arbitrary time requires that BACKUP for requested time be created with 'revision_history' option.";
        throw planningError(
          i === 0
            ? `${prefix} nearest backup time is ${goTimeString(new Date(end))}`
            : `${prefix} nearest BACKUP times are ${goTimeString(new Date(chain[i - 1].manifest.endTime))} or ${goTimeString(new Date(end))}`,
        );
      }
      const revisionStart = manifest.startTime === null ? end - GC_TTL_MS : start;
      if (t <= revisionStart) {
        throw planningError(`invalid RESTORE timestamp: BACKUP for requested time only has revision history from ${goTimeString(new Date(revisionStart))}`);
      }
    }
    return chain.slice(0, i + 1);
  }
  throw planningError('invalid RESTORE timestamp: supplied backups do not cover requested time');
}
