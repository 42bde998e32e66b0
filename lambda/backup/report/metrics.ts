import { COLLECTION_DIMENSION, collectionDimensionValue, MetricKey, METRICS } from '../../../contract/metrics';

/** Metric values of one run; a list gives several samples of one metric (job durations). */
export type MetricValues = Partial<Record<MetricKey, number | readonly number[]>>;

/**
 * One CloudWatch embedded-metric-format document (written to stdout, CloudWatch Logs
 * extracts the metrics: no PutMetricData call, no permission, no latency). Format:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 * Every metric carries exactly the one dimension the construct's alarms use.
 */
export function embeddedMetrics(
  namespace: string,
  bucketName: string,
  collection: string,
  values: MetricValues,
  timestamp: Date,
): Record<string, unknown> {
  const keys = (Object.keys(values) as MetricKey[]).filter((k) => {
    const v = values[k];
    return typeof v === 'number' || (Array.isArray(v) && v.length > 0);
  });
  const document: Record<string, unknown> = {
    _aws: {
      Timestamp: timestamp.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [[COLLECTION_DIMENSION]],
          Metrics: keys.map((k) => ({ Name: METRICS[k].name, Unit: METRICS[k].unit })),
        },
      ],
    },
    [COLLECTION_DIMENSION]: collectionDimensionValue(bucketName, collection),
  };
  for (const k of keys) document[METRICS[k].name] = values[k];
  return document;
}
