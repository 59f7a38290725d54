/**
 * Exchange times as a trader reads them on a tape: `14:32:05.123`, 24-hour, milliseconds shown, in
 * a fixed time zone (UTC unless asked), so two screens side by side never disagree.
 */

const cache = new Map<string, Intl.DateTimeFormat>();

/** A cached `HH:MM:SS.mmm` formatter for `timeZone` (an IANA name, e.g. `'UTC'`, `'America/New_York'`). */
export function clockFormatter(timeZone = 'UTC', locale = 'en-GB'): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      fractionalSecondDigits: 3,
      hourCycle: 'h23',
    });
    cache.set(key, f);
  }
  return f;
}

/** `timeMs` (ms since the Unix epoch) as `HH:MM:SS.mmm` in `timeZone`. */
export function formatClock(timeMs: number, timeZone?: string, locale?: string): string {
  return Number.isFinite(timeMs) ? clockFormatter(timeZone, locale).format(timeMs) : '—';
}
