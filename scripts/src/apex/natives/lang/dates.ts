/**
 * Date, Datetime and Time (Apex Reference, "Date Class", "Datetime Class", "Time Class"). A Datetime is an
 * instant; its local fields and `format()` use the running user's time zone (rt.userTimeZone()), the *Gmt variants
 * use GMT. Patterns are Java SimpleDateFormat patterns.
 */
import { NativeClass, Runtime } from '../../runtime';
import { ApexDate, ApexDatetime, ApexLong, ApexTime, Value } from '../../values';
import { arity, Fns, int, lowerKeys, npe, str, toDouble, unsupported } from './util';

const DAY_MS = 86400000;

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  weekday: number;
  offsetMinutes: number;
}

const dtfCache = new Map<string, Intl.DateTimeFormat>();
function dtf(tz: string): Intl.DateTimeFormat {
  let f = dtfCache.get(tz);
  if (!f) {
    // An unknown zone id formats as GMT, as java.util.TimeZone treats it.
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
    } catch {
      return dtf('UTC');
    }
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short'
    });
    dtfCache.set(tz, f);
  }
  return f;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The wall-clock fields of an instant in a time zone. */
export function partsIn(ms: number, tz: string): Parts {
  if (tz === 'GMT' || tz === 'UTC') {
    const d = new Date(ms);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      ms: d.getUTCMilliseconds(),
      weekday: d.getUTCDay(),
      offsetMinutes: 0
    };
  }
  const p: Record<string, string> = {};
  for (const part of dtf(tz).formatToParts(new Date(ms))) p[part.type] = part.value;
  const fields = {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
    second: Number(p.second)
  };
  const asUtc = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second);
  const wholeSecond = Math.floor(ms / 1000) * 1000;
  return {
    ...fields,
    ms: ((ms % 1000) + 1000) % 1000,
    weekday: WEEKDAYS.indexOf(p.weekday),
    offsetMinutes: Math.round((asUtc - wholeSecond) / 60000)
  };
}

/** The instant of a wall-clock time in a time zone. */
export function instantOf(tz: string, y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const guess = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (tz === 'GMT' || tz === 'UTC') return guess;
  let t = guess - partsIn(guess, tz).offsetMinutes * 60000;
  t = guess - partsIn(t, tz).offsetMinutes * 60000;
  return t;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December'
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

function offsetText(min: number, colon: boolean): string {
  const sign = min < 0 ? '-' : '+';
  const a = Math.abs(min);
  return `${sign}${pad(Math.floor(a / 60), 2)}${colon ? ':' : ''}${pad(a % 60, 2)}`;
}

/** Formats with a Java SimpleDateFormat pattern. */
export function formatJava(rt: Runtime, p: Parts, pattern: string, tz: string): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end === i + 1) {
        out += "'";
        i += 2;
        continue;
      }
      out += pattern.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? pattern.length : end + 1;
      continue;
    }
    if (!/[a-zA-Z]/.test(c)) {
      out += c;
      i++;
      continue;
    }
    let n = 1;
    while (pattern[i + n] === c) n++;
    i += n;
    const h12 = p.hour % 12 === 0 ? 12 : p.hour % 12;
    switch (c) {
      case 'y':
        out += n === 2 ? pad(p.year % 100, 2) : pad(p.year, n);
        break;
      case 'M':
        out += n >= 4 ? MONTHS[p.month - 1] : n === 3 ? MONTHS[p.month - 1].slice(0, 3) : pad(p.month, n);
        break;
      case 'd':
        out += pad(p.day, n);
        break;
      case 'H':
        out += pad(p.hour, n);
        break;
      case 'h':
        out += pad(h12, n);
        break;
      case 'm':
        out += pad(p.minute, n);
        break;
      case 's':
        out += pad(p.second, n);
        break;
      case 'S':
        out += pad(p.ms, 3).slice(0, Math.max(n, 3));
        break;
      case 'a':
        out += p.hour < 12 ? 'AM' : 'PM';
        break;
      case 'E':
        out += n >= 4 ? DAYS[p.weekday] : DAYS[p.weekday].slice(0, 3);
        break;
      case 'Z':
        out += offsetText(p.offsetMinutes, false);
        break;
      case 'X':
        out += p.offsetMinutes === 0 ? 'Z' : offsetText(p.offsetMinutes, n >= 3);
        break;
      case 'z':
        out += tz === 'GMT' ? 'GMT' : shortZone(tz, p);
        break;
      default:
        unsupported(rt, `date format letter '${c}'`);
    }
  }
  return out;
}

function shortZone(tz: string, p: Parts): string {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'short' });
  const ms = instantOf(tz, p.year, p.month, p.day, p.hour, p.minute, p.second);
  return f.formatToParts(new Date(ms)).find((x) => x.type === 'timeZoneName')?.value ?? tz;
}

export const dateMs = (d: ApexDate): number => Date.UTC(d.year, d.month - 1, d.day);
export function dateOfMs(ms: number): ApexDate {
  const d = new Date(ms);
  return new ApexDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

function addMonths(d: ApexDate, n: number): ApexDate {
  const total = d.year * 12 + (d.month - 1) + n;
  const y = Math.floor(total / 12);
  const m = (total % 12) + 1;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return new ApexDate(y, m, Math.min(d.day, last));
}

const asDate = (rt: Runtime, v: Value): ApexDate => {
  if (v === null) npe(rt);
  if (!(v instanceof ApexDate)) unsupported(rt, 'a Date argument');
  return v;
};
const asDt = (rt: Runtime, v: Value): ApexDatetime => {
  if (v === null) npe(rt);
  if (!(v instanceof ApexDatetime)) unsupported(rt, 'a Datetime argument');
  return v;
};

/** Parses 'yyyy-MM-dd' (and 'yyyy-MM-dd HH:mm:ss', whose date part Date.valueOf takes). */
function parseDate(rt: Runtime, text: string): ApexDate {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$/.exec(text.trim());
  if (!m) rt.throwApex('System.TypeException', `Invalid date: ${text}`);
  return new ApexDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** Parses 'yyyy-MM-dd HH:mm:ss' (Datetime.valueOf / valueOfGmt). */
function parseDatetime(rt: Runtime, text: string, tz: string): ApexDatetime {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?: (\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?$/.exec(text.trim());
  if (!m) rt.throwApex('System.TypeException', `Invalid date/time: ${text}`);
  const n = m.slice(1).map((x) => Number(x ?? 0));
  return new ApexDatetime(instantOf(tz, n[0], n[1], n[2], n[3], n[4], n[5]));
}

const dateStatics: Fns = {
  today: (rt) => {
    const p = partsIn(rt.org.now(), rt.userTimeZone());
    return new ApexDate(p.year, p.month, p.day);
  },
  newInstance: (rt, a) => {
    arity(rt, 'Date.newInstance', a, 3);
    return dateOfMs(Date.UTC(int(rt, a[0]), int(rt, a[1]) - 1, int(rt, a[2])));
  },
  valueOf: (rt: Runtime, [v]: Value[]) => {
    if (v === null) return null;
    if (v instanceof ApexDatetime) {
      const p = partsIn(v.ms, rt.userTimeZone());
      return new ApexDate(p.year, p.month, p.day);
    }
    return parseDate(rt, str(rt, v));
  },
  isLeapYear: (rt, [y]) => {
    const n = int(rt, y);
    return (n % 4 === 0 && n % 100 !== 0) || n % 400 === 0;
  },
  daysInMonth: (rt, [y, m]) => new Date(Date.UTC(int(rt, y), int(rt, m), 0)).getUTCDate()
};

const dateMethods: Fns = {
  addDays: (rt, [n], self) => dateOfMs(dateMs(asDate(rt, self)) + int(rt, n) * DAY_MS),
  addMonths: (rt, [n], self) => addMonths(asDate(rt, self), int(rt, n)),
  addYears: (rt, [n], self) => addMonths(asDate(rt, self), int(rt, n) * 12),
  daysBetween: (rt, [o], self) => Math.round((dateMs(asDate(rt, o)) - dateMs(asDate(rt, self))) / DAY_MS),
  monthsBetween: (rt, [o], self) => {
    const a = asDate(rt, self);
    const b = asDate(rt, o);
    return (b.year - a.year) * 12 + (b.month - a.month);
  },
  year: (rt, _a, self) => asDate(rt, self).year,
  month: (rt, _a, self) => asDate(rt, self).month,
  day: (rt, _a, self) => asDate(rt, self).day,
  dayOfYear: (rt, _a, self) => {
    const d = asDate(rt, self);
    return Math.round((dateMs(d) - Date.UTC(d.year, 0, 1)) / DAY_MS) + 1;
  },
  isSameDay: (rt, [o], self) => dateMs(asDate(rt, self)) === dateMs(asDate(rt, o)),
  toStartOfMonth: (rt, _a, self) => new ApexDate(asDate(rt, self).year, asDate(rt, self).month, 1),
  toStartOfWeek: (rt, _a, self) => {
    const ms = dateMs(asDate(rt, self));
    return dateOfMs(ms - new Date(ms).getUTCDay() * DAY_MS);
  },
  format: (rt, a, self) => {
    const d = asDate(rt, self);
    if (a.length) unsupported(rt, 'Date.format(pattern)');
    return `${d.month}/${d.day}/${d.year}`;
  },
  equals: (rt, [o], self) => o instanceof ApexDate && dateMs(o) === dateMs(asDate(rt, self)),
  hashCode: (rt, _a, self) => dateMs(asDate(rt, self)) / DAY_MS,
  toString: (rt: Runtime, _a: Value[], self: Value) => rt.stringify(self)
};

const dtStatics: Fns = {
  now: (rt) => new ApexDatetime(rt.org.now()),
  newInstance: (rt, a) => {
    if (a.length === 1) return new ApexDatetime(a[0] instanceof ApexLong ? Number(a[0].v) : int(rt, a[0]));
    if (a.length === 2) {
      const d = asDate(rt, a[0]);
      const t = a[1] as ApexTime;
      return new ApexDatetime(instantOf(rt.userTimeZone(), d.year, d.month, d.day) + t.ms);
    }
    const n = a.map((x) => int(rt, x));
    return new ApexDatetime(instantOf(rt.userTimeZone(), n[0], n[1], n[2], n[3] ?? 0, n[4] ?? 0, n[5] ?? 0));
  },
  newInstanceGmt: (rt, a) => {
    if (a.length === 2) {
      const d = asDate(rt, a[0]);
      return new ApexDatetime(dateMs(d) + (a[1] as ApexTime).ms);
    }
    const n = a.map((x) => int(rt, x));
    return new ApexDatetime(Date.UTC(n[0], n[1] - 1, n[2], n[3] ?? 0, n[4] ?? 0, n[5] ?? 0));
  },
  valueOf: (rt: Runtime, [v]: Value[]) => (v === null ? null : parseDatetime(rt, str(rt, v), rt.userTimeZone())),
  valueOfGmt: (rt, [v]) => (v === null ? null : parseDatetime(rt, str(rt, v), 'GMT'))
};

const local = (rt: Runtime, self: Value): Parts => partsIn(asDt(rt, self).ms, rt.userTimeZone());
const gmt = (rt: Runtime, self: Value): Parts => partsIn(asDt(rt, self).ms, 'GMT');
const plus = (rt: Runtime, self: Value, ms: number): ApexDatetime => new ApexDatetime(asDt(rt, self).ms + ms);

const dtMethods: Fns = {
  addDays: (rt, [n], self) => plus(rt, self, Math.round(toDouble(rt, n) * DAY_MS)),
  addHours: (rt, [n], self) => plus(rt, self, int(rt, n) * 3600000),
  addMinutes: (rt, [n], self) => plus(rt, self, int(rt, n) * 60000),
  addSeconds: (rt, [n], self) => plus(rt, self, int(rt, n) * 1000),
  addMonths: (rt, [n], self) => {
    const p = local(rt, self);
    const d = addMonths(new ApexDate(p.year, p.month, p.day), int(rt, n));
    return new ApexDatetime(instantOf(rt.userTimeZone(), d.year, d.month, d.day, p.hour, p.minute, p.second, p.ms));
  },
  addYears: (rt, [n], self) => dtMethods.addmonths(rt, [int(rt, n) * 12], self),
  getTime: (rt, _a, self) => new ApexLong(BigInt(asDt(rt, self).ms)),
  date: (rt, _a, self) => {
    const p = local(rt, self);
    return new ApexDate(p.year, p.month, p.day);
  },
  dateGmt: (rt, _a, self) => {
    const p = gmt(rt, self);
    return new ApexDate(p.year, p.month, p.day);
  },
  time: (rt, _a, self) => {
    const p = local(rt, self);
    return new ApexTime(((p.hour * 60 + p.minute) * 60 + p.second) * 1000 + p.ms);
  },
  timeGmt: (rt, _a, self) => new ApexTime(((asDt(rt, self).ms % DAY_MS) + DAY_MS) % DAY_MS),
  year: (rt, _a, self) => local(rt, self).year,
  month: (rt, _a, self) => local(rt, self).month,
  day: (rt, _a, self) => local(rt, self).day,
  hour: (rt, _a, self) => local(rt, self).hour,
  minute: (rt, _a, self) => local(rt, self).minute,
  second: (rt, _a, self) => local(rt, self).second,
  millisecond: (rt, _a, self) => local(rt, self).ms,
  yearGmt: (rt, _a, self) => gmt(rt, self).year,
  monthGmt: (rt, _a, self) => gmt(rt, self).month,
  dayGmt: (rt, _a, self) => gmt(rt, self).day,
  hourGmt: (rt, _a, self) => gmt(rt, self).hour,
  minuteGmt: (rt, _a, self) => gmt(rt, self).minute,
  secondGmt: (rt, _a, self) => gmt(rt, self).second,
  format: (rt, a, self) => {
    const tz = a[1] === undefined || a[1] === null ? rt.userTimeZone() : str(rt, a[1]);
    const pattern = a.length ? str(rt, a[0]) : 'M/d/yyyy h:mm a';
    return formatJava(rt, partsIn(asDt(rt, self).ms, tz), pattern, tz);
  },
  formatGmt: (rt, [p], self) => formatJava(rt, gmt(rt, self), str(rt, p), 'GMT'),
  formatLong: (rt, _a, self) => formatJava(rt, local(rt, self), 'M/d/yyyy h:mm:ss a z', rt.userTimeZone()),
  isSameDay: (rt, [o], self) => {
    const a = local(rt, self);
    const b = local(rt, o);
    return a.year === b.year && a.month === b.month && a.day === b.day;
  },
  equals: (rt, [o], self) => o instanceof ApexDatetime && o.ms === asDt(rt, self).ms,
  hashCode: (rt, _a, self) => asDt(rt, self).ms | 0,
  toString: (rt: Runtime, _a: Value[], self: Value) => rt.stringify(self)
};

const asTime = (rt: Runtime, v: Value): ApexTime => {
  if (v === null) npe(rt);
  if (!(v instanceof ApexTime)) unsupported(rt, 'a Time argument');
  return v;
};
const timePlus = (rt: Runtime, self: Value, ms: number): ApexTime =>
  new ApexTime((((asTime(rt, self).ms + ms) % DAY_MS) + DAY_MS) % DAY_MS);

const timeStatics: Fns = {
  newInstance: (rt, a) => {
    const n = a.map((x) => int(rt, x));
    return new ApexTime(((n[0] * 60 + n[1]) * 60 + n[2]) * 1000 + n[3]);
  }
};
const timeMethods: Fns = {
  hour: (rt, _a, self) => Math.floor(asTime(rt, self).ms / 3600000),
  minute: (rt, _a, self) => Math.floor(asTime(rt, self).ms / 60000) % 60,
  second: (rt, _a, self) => Math.floor(asTime(rt, self).ms / 1000) % 60,
  millisecond: (rt, _a, self) => asTime(rt, self).ms % 1000,
  addHours: (rt, [n], self) => timePlus(rt, self, int(rt, n) * 3600000),
  addMinutes: (rt, [n], self) => timePlus(rt, self, int(rt, n) * 60000),
  addSeconds: (rt, [n], self) => timePlus(rt, self, int(rt, n) * 1000),
  addMilliseconds: (rt, [n], self) => timePlus(rt, self, int(rt, n))
};

export const dateClasses: NativeClass[] = [
  {
    name: 'Date',
    namespace: 'System',
    kind: 'class',
    statics: lowerKeys(dateStatics),
    methods: lowerKeys(dateMethods)
  },
  {
    name: 'Datetime',
    namespace: 'System',
    kind: 'class',
    statics: lowerKeys(dtStatics),
    methods: lowerKeys(dtMethods)
  },
  { name: 'Time', namespace: 'System', kind: 'class', statics: lowerKeys(timeStatics), methods: lowerKeys(timeMethods) }
];
