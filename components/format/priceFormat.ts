/**
 * Exact display of prices and sizes: decimals come from the increment, so two distinct levels never
 * render as the same text (0.00001234 with tick 1e-8 stays 0.00001234).
 */

/** Decimal places needed to show multiples of `increment` exactly (0.01 → 2, 0.25 → 2, 5 → 0, 1e-8 → 8). */
export function decimalsOf(increment: number): number {
  if (!(increment > 0) || !Number.isFinite(increment)) return 0;
  for (let d = 0; d <= 15; d++) {
    const scaled = increment * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9 * Math.max(1, scaled)) return d;
  }
  return 15;
}

const cache = new Map<string, Intl.NumberFormat>();

/** A cached Intl formatter with fixed decimals and grouping separators. */
export function fixedFormatter(decimals: number, locale?: string): Intl.NumberFormat {
  return cached(
    `${locale ?? ''}|${decimals}`,
    () => new Intl.NumberFormat(locale, { minimumFractionDigits: decimals, maximumFractionDigits: decimals }),
  );
}

/** A cached formatter with at most `digits` significant digits (0.0015, 0.012). */
export function significantFormatter(digits: number, locale?: string): Intl.NumberFormat {
  return cached(`${locale ?? ''}|sig${digits}`, () => new Intl.NumberFormat(locale, { maximumSignificantDigits: digits }));
}

/** A cached compact formatter (12.3K, 4.5M) with three significant digits, for axis labels. */
export function compactFormatter(locale?: string): Intl.NumberFormat {
  return cached(`${locale ?? ''}|compact`, () => new Intl.NumberFormat(locale, { notation: 'compact', maximumSignificantDigits: 3 }));
}

/** Formatters are costly to make and used on every render: one per locale and options. */
function cached(key: string, make: () => Intl.NumberFormat): Intl.NumberFormat {
  let f = cache.get(key);
  if (!f) {
    f = make();
    cache.set(key, f);
  }
  return f;
}
