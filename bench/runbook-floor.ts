import { Client } from 'pg';
import { ConnectionSecret } from '../lambda/backup/connect/secrets';
import { sqlString } from '../lambda/backup/submit/statement';

/** The runbook's statements, as a person types them (AS OF SYSTEM TIME as the construct's default, 10 s). */
export const RUNBOOK = {
  full: (uri: string): string => `BACKUP INTO ${sqlString(uri)} AS OF SYSTEM TIME '-10s' WITH DETACHED, revision_history`,
  incremental: (uri: string): string => `BACKUP INTO LATEST IN ${sqlString(uri)} AS OF SYSTEM TIME '-10s' WITH DETACHED, revision_history`,
};

/**
 * The floor: what a person following the runbook does, as a bare script. One connection
 * with the same TLS verification as the Lambda, one statement, and nothing else (no
 * secrets to fetch, no job-table reading, no verification). Returns the job id.
 */
export async function runbookStatement(connection: ConnectionSecret, statement: string): Promise<string> {
  const client = new Client({
    host: connection.host,
    port: connection.port,
    user: connection.username,
    password: connection.password,
    database: connection.dbname,
    ssl: { ca: connection.ca, rejectUnauthorized: true },
  });
  await client.connect();
  try {
    const result = await client.query<{ job_id: string }>(statement);
    return String(result.rows[0].job_id);
  } finally {
    await client.end();
  }
}
