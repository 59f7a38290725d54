//! The venues' time formats, read exactly into microseconds since the Unix epoch: integer
//! milliseconds (Binance, Bybit, OKX), decimal seconds (Kraken v1's level times) and RFC 3339 text
//! (Coinbase, Kraken v2). Anything that is not a time gives `None` (the message keeps no time),
//! never a panic; digits past the microsecond are dropped.

/// Milliseconds → microseconds (saturating: a time that large is refused later as far in the future).
pub fn ms_to_us(ms: u64) -> u64 {
    ms.saturating_mul(1000)
}

/// `"1616663113.322048"` (seconds, up to any number of decimals) → µs.
pub fn decimal_seconds_to_us(text: &str) -> Option<u64> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || whole.len() > 12 || !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seconds: u64 = whole.parse().ok()?;
    seconds.checked_mul(1_000_000)?.checked_add(micros_of(frac))
}

/// The first six digits of a fraction as microseconds (`"5"` → 500000).
fn micros_of(frac: &str) -> u64 {
    frac.bytes().chain(std::iter::repeat(b'0')).take(6).fold(0, |acc, d| acc * 10 + u64::from(d - b'0'))
}

/// `"2026-03-14T09:30:00.123456789Z"` (RFC 3339: `Z` or a `±hh:mm` offset, fraction optional) → µs.
pub fn rfc3339_to_us(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        let s = text.get(from..to)?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok())?
    };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    let mut micros = 0;
    if let Some(after) = rest.strip_prefix('.') {
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        micros = micros_of(&after[..digits]);
        rest = &after[digits..];
    }
    let offset_s = match rest.as_bytes() {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digit = |c: &u8| c.is_ascii_digit().then(|| i64::from(c - b'0'));
            let minutes = (digit(h1)? * 10 + digit(h2)?) * 60 + digit(m1)? * 10 + digit(m2)?;
            if *sign == b'+' {
                minutes * 60
            } else {
                -minutes * 60
            }
        }
        _ => return None,
    };
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset_s;
    u64::try_from(seconds).ok()?.checked_mul(1_000_000)?.checked_add(micros)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_is_read_to_the_microsecond() {
        assert_eq!(rfc3339_to_us("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(rfc3339_to_us("2026-03-14T09:30:00.123456789Z"), Some(1_773_480_600_123_456));
        assert_eq!(rfc3339_to_us("2026-03-14T10:30:00.5+01:00"), Some(1_773_480_600_500_000));
        assert_eq!(rfc3339_to_us("2000-02-29T00:00:00Z"), Some(951_782_400_000_000), "a leap day");
        for bad in
            ["", "2026-03-14", "2026-13-01T00:00:00Z", "2026-03-14T09:30:00", "2026-03-14T09:30:00.Z", "1969-12-31T23:59:59Z", "2026-03-14T09:3a:00Z"]
        {
            assert_eq!(rfc3339_to_us(bad), None, "{bad}");
        }
    }

    #[test]
    fn decimal_seconds_and_milliseconds() {
        assert_eq!(decimal_seconds_to_us("1616663113.322048"), Some(1_616_663_113_322_048));
        assert_eq!(decimal_seconds_to_us("1616663113.3220489"), Some(1_616_663_113_322_048));
        assert_eq!(decimal_seconds_to_us("1616663113"), Some(1_616_663_113_000_000));
        for bad in ["", ".5", "-1.0", "1e9", "99999999999999999999"] {
            assert_eq!(decimal_seconds_to_us(bad), None, "{bad}");
        }
        assert_eq!(ms_to_us(1_700_000_000_123), 1_700_000_000_123_000);
        assert_eq!(ms_to_us(u64::MAX), u64::MAX);
    }
}
