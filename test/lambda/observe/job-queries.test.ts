import { jobIdLiteral } from '../../../lambda/backup/observe/job-queries';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard();

describe('jobIdLiteral', () => {
  test('writes an id above 2^53 digit for digit', () => {
    expect(jobIdLiteral('900719925474099301')).toBe('900719925474099301');
    expect(jobIdLiteral('9223372036854775807')).toBe('9223372036854775807');
  });

  test.each(['', '12a', '-1', '1; DROP TABLE t', '1e3', ' 1', '9223372036854775808', '12345678901234567890'])('refuses %p', (id) => {
    expect(() => jobIdLiteral(id)).toThrow(/is not a job id \(expected the decimal digits of an INT8\)/);
  });
});
