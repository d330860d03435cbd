// Dates, durations and counts as people read them.

/**
 * The locale to format for, given the one the system resolves to. A bare system's C locale
 * resolves to ICU's POSIX English, which groups no digits ("98506 articles") and writes dates
 * as "2026 Nov 28"; such a system has said nothing about its reader, so it reads as English.
 * Any other locale is the user's and stays (`undefined`: the system's own).
 */
export function displayLocale(resolved: string): string | undefined {
  return /-u-(?:.+-)?va-posix\b/i.test(resolved) ? "en" : undefined;
}

const locale = displayLocale(new Intl.NumberFormat().resolvedOptions().locale);
const relative = new Intl.RelativeTimeFormat(locale, { numeric: "auto", style: "short" });
const absolute = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
const counts = new Intl.NumberFormat(locale);

const dayMonth = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short" });
const dayMonthYear = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "numeric" });

const DAY = 24 * 3600;

/**
 * When something happened (or will), as people can trust it: "just now", "5 min. ago",
 * "3 hr. ago", "in 2 hr." within a day; beyond a day, the date itself ("11 May", or
 * "11 May 2025" in another year). A relative "2 yr. ago" for a story of 19 months ago was
 * neither exact nor right; a date is both. Units are truncated, never rounded up: 1 h 59 min
 * ago is "1 hr. ago", not "2 hr. ago".
 */
export function relativeTime(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return "never";
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "";
  const secs = Math.round((then - now) / 1000);
  const abs = Math.abs(secs);
  // A few seconds ahead is clock skew between a feed, the engine and this window, not the future.
  if (abs < 45) return secs <= 5 ? "just now" : "in a moment";
  const sign = secs < 0 ? -1 : 1;
  if (abs < 3600) return relative.format(sign * Math.max(1, Math.trunc(abs / 60)), "minute");
  if (abs < DAY) return relative.format(sign * Math.trunc(abs / 3600), "hour");
  return calendarDate(then, now);
}

/** "11 May" in the current year, "11 May 2025" otherwise. */
export function calendarDate(then: number, now: number = Date.now()): string {
  const sameYear = new Date(then).getFullYear() === new Date(now).getFullYear();
  return (sameYear ? dayMonth : dayMonthYear).format(then);
}

/** "28 Nov 2025, 14:05" in the user's locale. */
export function absoluteTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : absolute.format(t);
}

/** "45 s", "15 min", "2 h", "1 h 30 min", "3 d". */
export function duration(secs: number): string {
  if (secs < 60) return `${Math.round(secs)} s`;
  if (secs < 3600) return `${Math.round(secs / 60)} min`;
  if (secs < 86400) {
    const h = Math.floor(secs / 3600);
    const m = Math.round((secs % 3600) / 60);
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.round(secs / 86400);
  return `${d} d`;
}

/** "1.4 MB". */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** "100,000". */
export function count(n: number): string {
  return counts.format(n);
}

/** Picks singular or plural: `plural(3, "article")` → "3 articles". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${count(n)} ${n === 1 ? word : many}`;
}
