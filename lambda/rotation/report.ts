import { writeJsonLine } from '../backup/report/log';
import { embeddedMetrics, MetricValues } from '../backup/report/metrics';
import { RotationSettings } from './config';

/** The one summary line of an invocation (key ids and outcomes only). */
export interface RotationSummary {
  readonly summary: 'access-key rotation';
  /** The rotation step, or `retire-previous-key`. */
  readonly action: string;
  readonly outcome: 'succeeded' | 'failed';
  readonly secretId: string;
  readonly userName: string;
  readonly token?: string;
  readonly error?: string;
  readonly [detail: string]: unknown;
}

/**
 * Writes the invocation's metrics (embedded metric format, through the backup Lambda's
 * writer: same namespace and Collection dimension, so the construct's alarms read both
 * functions alike) and its summary line. Every line passes the redaction of log.ts.
 */
export function publishRotation(settings: RotationSettings, values: MetricValues, summary: RotationSummary, now: Date): void {
  if (Object.keys(values).length > 0) writeJsonLine(embeddedMetrics(settings.metricsNamespace, settings.bucketName, settings.collection, values, now));
  writeJsonLine({ level: summary.outcome === 'failed' ? 'ERROR' : 'INFO', ...summary });
}
