import { GC_TTL_MS } from '../jobs/backup-work';
import { Hlc, compareHlc, parseHlcDecimal } from '../hlc';
import { goTimeString } from '../time-format';
import { Layer } from './collection-reads';
import { planningError } from './sql-error';

const hlcOf = (decimal: string): Hlc => parseHlcDecimal(decimal)!;

/**
 * The layers a restore as of `asOf` needs (backupdest, ResolveBackupManifests and its
 * time check): the chain up to the layer whose (start, end] holds the time, compared as HLC
 * timestamps (wall nanoseconds, then the logical part). A time other than a layer's end,
 * exactly (ValidateEndTimeAndTruncate, pkg/backup/backupinfo: `endTime.Equal(b.EndTime)`),
 * needs that layer to have revision history, and a full backup's history starts only at its
 * GC threshold (RevisionStartTime: the double takes end minus gc.ttlseconds, 4 h). The
 * refusal names the nearest ends as Go prints a time.Time: to the nanosecond, without the
 * logical part, so a client learns the wall time but not a non-zero logical part.
 */
export function layersAt(chain: readonly Layer[], asOf: Hlc | undefined): readonly Layer[] {
  if (asOf === undefined) return chain;
  for (let i = 0; i < chain.length; i++) {
    const manifest = chain[i].manifest;
    const start = manifest.startHlc === null ? undefined : hlcOf(manifest.startHlc);
    const end = hlcOf(manifest.endHlc);
    if ((start !== undefined && compareHlc(asOf, start) <= 0) || compareHlc(asOf, end) > 0) continue;
    if (compareHlc(asOf, end) !== 0) {
      if (!manifest.revisionHistory) {
        const prefix = "invalid RESTORE timestamp: restoring to arbitrary time requires that BACKUP for requested time be created with 'revision_history' option.";
        throw planningError(
          i === 0
            ? `${prefix} nearest backup time is ${goTimeString(end)}`
            : `${prefix} nearest BACKUP times are ${goTimeString(hlcOf(chain[i - 1].manifest.endHlc))} or ${goTimeString(end)}`,
        );
      }
      const revisionStart: Hlc = start ?? { wallNanos: end.wallNanos - BigInt(GC_TTL_MS) * 1_000_000n, logical: 0 };
      if (compareHlc(asOf, revisionStart) <= 0) {
        throw planningError(`invalid RESTORE timestamp: BACKUP for requested time only has revision history from ${goTimeString(revisionStart)}`);
      }
    }
    return chain.slice(0, i + 1);
  }
  throw planningError('invalid RESTORE timestamp: supplied backups do not cover requested time');
}
