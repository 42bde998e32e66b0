import { classifyJobs } from '../decide/classify';
import { BackupSettings } from '../connect/config';
import { Observation } from '../decide/decide';
import { visibleBackupJobs } from './job-queries';
import { Session } from '../connect/session';
import { readStoredChain } from './stored-chain';
import { describesCollection } from '../submit/storage';

/**
 * Observes the collection through supported statements only (two SHOW statements, two
 * round trips; never crdb_internal or system, which v26.1 closes by default):
 * - storage, `SHOW BACKUP FROM LATEST IN '<target>'`: is there a full backup, how long
 *   is the chain, when did its newest layer end; it counts every backup, whoever took it;
 * - the job table, `SHOW JOBS SELECT job_id FROM [SHOW JOBS] ...`: the collection's
 *   backup jobs the user can see (its own), for what is running and what ended lately.
 */
export async function observe(session: Session, settings: BackupSettings, target: string): Promise<Observation> {
  const chain = await readStoredChain(session, target);
  const jobs = (await visibleBackupJobs(session)).filter((job) => describesCollection(settings, job.description));
  return { chain, jobs: classifyJobs(jobs) };
}
