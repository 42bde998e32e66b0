import { writeJsonLine } from '../backup/report/log';
import { embeddedMetrics, MetricValues } from '../backup/report/metrics';
import { RotationSettings } from './config';

/** Where the metrics go: the namespace and the collection dimension (the backup Lambda's). */
export type PublishSettings = Pick<RotationSettings, 'metricsNamespace' | 'bucketName' | 'collection'>;

/** The one summary line of an invocation (ids and outcomes only). */
export interface RotationSummary {
  readonly summary: 'access-key rotation' | 'password rotation';
  /** The rotation step, or `retire-previous-key`. */
  readonly action: string;
  readonly outcome: 'succeeded' | 'failed';
  readonly secretId: string;
  /** The IAM user whose keys the access-key rotation manages. */
  readonly userName?: string;
  readonly token?: string;
  readonly error?: string;
  readonly [detail: string]: unknown;
}

/**
 * Writes the invocation's metrics (embedded metric format, through the backup Lambda's
 * writer: same namespace and Collection dimension, so the construct's alarms read both
 * functions alike) and its summary line. Every line passes the redaction of log.ts.
 */
export function publishRotation(settings: PublishSettings, values: MetricValues, summary: RotationSummary, now: Date): void {
  if (Object.keys(values).length > 0) writeJsonLine(embeddedMetrics(settings.metricsNamespace, settings.bucketName, settings.collection, values, now));
  writeJsonLine({ level: summary.outcome === 'failed' ? 'ERROR' : 'INFO', ...summary });
}
