/**
 * The fields of an EventBridge Scheduler `cron(minutes hours day-of-month month day-of-week year)`
 * expression, as the service documents them ("Schedule types on EventBridge Scheduler", cron-based
 * schedules): what each field accepts, and whether the expression ever fires.
 */

interface FieldRule {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Wildcards besides `, - * /`. */
  readonly extra: RegExp;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: readonly FieldRule[] = [
  { name: 'minutes', min: 0, max: 59, extra: /^$/ },
  { name: 'hours', min: 0, max: 23, extra: /^$/ },
  { name: 'day-of-month', min: 1, max: 31, extra: /^(\?|L|LW|\d{1,2}W)$/ },
  { name: 'month', min: 1, max: 12, names: MONTHS, extra: /^$/ },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS, extra: /^(\?|L|[1-7]L|[A-Z]{3}L|[1-7]#[1-5]|[A-Z]{3}#[1-5])$/ },
  { name: 'year', min: 1970, max: 2199, extra: /^$/ },
];

/** One field read: the values it allows (undefined for `?`) and its special forms (L, W, #). */
interface ParsedField {
  readonly values?: ReadonlySet<number>;
  readonly special: readonly string[];
}

/** A problem with an expression, for a message: what is wrong, in the service's words. */
export class CronProblem {
  constructor(readonly description: string) {}
}

function value(rule: FieldRule, text: string): number | CronProblem {
  const named = rule.names?.indexOf(text.toUpperCase()) ?? -1;
  const n = named >= 0 ? named + rule.min : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < rule.min || n > rule.max) {
    return new CronProblem(`the ${rule.name} field's '${text}' is outside ${rule.min}-${rule.max}${rule.names === undefined ? '' : ` (or ${rule.names[0]}-${rule.names[rule.names.length - 1]})`}`);
  }
  return n;
}

function parseField(rule: FieldRule, text: string): ParsedField | CronProblem {
  if (text === '?') return rule.extra.test('?') ? { special: [] } : new CronProblem(`'?' is allowed only in the day-of-month and day-of-week fields, not in ${rule.name}`);
  const values = new Set<number>();
  const special: string[] = [];
  for (const part of text.split(',')) {
    if (rule.extra.test(part.toUpperCase()) && part !== '') {
      special.push(part.toUpperCase());
      continue;
    }
    const step = /^(.+?)(?:\/(\d+))?$/.exec(part);
    if (step === null || part === '') return new CronProblem(`the ${rule.name} field '${text}' has an empty part`);
    const [, range, stepText] = step;
    const by = stepText === undefined ? 1 : Number(stepText);
    if (by < 1) return new CronProblem(`the ${rule.name} field's step in '${part}' must be at least 1`);
    let from: number | CronProblem;
    let to: number | CronProblem;
    if (range === '*') {
      [from, to] = [rule.min, rule.max];
    } else if (range.includes('-')) {
      const [a, b, ...rest] = range.split('-');
      if (rest.length > 0) return new CronProblem(`the ${rule.name} field's '${part}' is not a range a-b`);
      [from, to] = [value(rule, a), value(rule, b)];
    } else {
      from = value(rule, range);
      to = stepText === undefined ? from : rule.max;
    }
    if (from instanceof CronProblem) return from;
    if (to instanceof CronProblem) return to;
    if (from > to) return new CronProblem(`the ${rule.name} field's range '${part}' runs backwards`);
    for (let n = from; n <= to; n += by) values.add(n);
  }
  return { values, special };
}

/** The six fields of a `cron(...)` expression, or the problem that makes it invalid. */
export function parseCron(expression: string): ParsedField[] | CronProblem {
  const match = /^cron\((.*)\)$/.exec(expression);
  if (match === null) return new CronProblem('not a cron(...) expression');
  const fields = match[1].trim().split(/\s+/);
  if (fields.length !== 6) {
    return new CronProblem(`${fields.length} fields instead of six (minutes hours day-of-month month day-of-week year)`);
  }
  if ((fields[2] === '?') === (fields[4] === '?')) {
    return new CronProblem("exactly one of day-of-month and day-of-week must be '?' (the service refuses both or neither)");
  }
  const parsed: ParsedField[] = [];
  for (let i = 0; i < 6; i++) {
    const field = parseField(FIELDS[i], fields[i]);
    if (field instanceof CronProblem) return field;
    parsed.push(field);
  }
  return parsed;
}

/** Whether a day matches the day-of-month and day-of-week fields (L, W and # read as the service does). */
function dayMatches(dayOfMonth: ParsedField, dayOfWeek: ParsedField, date: Date): boolean {
  const day = date.getUTCDate();
  const weekday = date.getUTCDay() + 1; // 1 = SUN, as the service counts
  const monthLength = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  const domOk =
    dayOfMonth.values === undefined ||
    dayOfMonth.values.has(day) ||
    // L: the last day; LW: the last weekday (within the last three days); nW: the weekday nearest to n, in
    // the month only when n exists in it (read as day n: whether it fires is what matters here).
    dayOfMonth.special.some((s) => (s === 'L' ? day === monthLength : s === 'LW' ? day > monthLength - 3 && weekday > 1 && weekday < 7 : Number(s.slice(0, -1)) === day));
  const weekdayOf = (s: string): number => (/^\d/.test(s) ? Number(s[0]) : DAYS.indexOf(s.slice(0, 3)) + 1);
  const dowOk =
    dayOfWeek.values === undefined ||
    dayOfWeek.values.has(weekday) ||
    dayOfWeek.special.some((s) =>
      s === 'L' ? weekday === 7 : s.includes('#') ? weekdayOf(s) === weekday && Math.ceil(day / 7) === Number(s.split('#')[1]) : weekdayOf(s) === weekday && day + 7 > monthLength,
    );
  return domOk && dowOk;
}

/**
 * Whether the expression fires at least once from `from` on: a day, in the first nine years its
 * year field allows, whose month and days match (its minutes and hours always hold a value).
 */
export function firesAfter(fields: readonly ParsedField[], from: Date): boolean {
  const [, , dayOfMonth, month, dayOfWeek, year] = fields;
  const firstYear = from.getUTCFullYear();
  // The first nine years the field allows from now: nine consecutive ones hold a 29 February.
  const candidates = [...year.values!].filter((y) => y >= firstYear).sort((a, b) => a - b).slice(0, 9);
  for (const y of candidates) {
    for (let d = new Date(Date.UTC(y, 0, 1)); d.getUTCFullYear() === y; d = new Date(d.getTime() + 86_400_000)) {
      if (d.getTime() + 86_400_000 <= from.getTime()) continue;
      if (month.values!.has(d.getUTCMonth() + 1) && dayMatches(dayOfMonth, dayOfWeek, d)) return true;
    }
  }
  return false;
}
