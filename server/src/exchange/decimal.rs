//! Exact decimal text ↔ integers at a fixed number of decimals. Exchange prices and sizes arrive as
//! text ("0.00001234", "45283.5"); they are parsed digit by digit, never through f64.

/// A decimal number as `mantissa × 10^-decimals`, exactly as written (trailing zeros dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    pub mantissa: i128,
    pub decimals: u32,
}

/// Most digits accepted after the point (beyond any venue's precision, within i64 at book scale).
pub const MAX_DECIMALS: u32 = 12;

impl Decimal {
    /// Parse plain decimal text: optional `-`, digits, optional `.digits`. No exponents, no spaces.
    pub fn parse(text: &str) -> Result<Decimal, String> {
        let (neg, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        if int.is_empty() && frac.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(format!("not a decimal number: {text:?}"));
        }
        let frac = frac.trim_end_matches('0');
        if frac.len() as u32 > MAX_DECIMALS {
            return Err(format!("more than {MAX_DECIMALS} decimals: {text:?}"));
        }
        let mut mantissa: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add((b - b'0') as i128))
                .filter(|m| *m <= i64::MAX as i128)
                .ok_or_else(|| format!("number too large: {text:?}"))?;
        }
        Ok(Decimal { mantissa: if neg { -mantissa } else { mantissa }, decimals: frac.len() as u32 })
    }

    /// The value in units of `10^-decimals`, if exact and within i64.
    pub fn scaled(&self, decimals: u32) -> Option<i64> {
        if self.decimals > decimals {
            return None;
        }
        let factor = 10i128.checked_pow(decimals - self.decimals)?;
        i64::try_from(self.mantissa.checked_mul(factor)?).ok()
    }
}

/// `value × 10^-decimals` as plain decimal text with trailing zeros dropped ("0.00001234", "100").
pub fn format_scaled(value: i64, decimals: u32) -> String {
    let neg = value < 0;
    let digits = value.unsigned_abs().to_string();
    let d = decimals as usize;
    let (int, frac) = if digits.len() > d {
        (digits[..digits.len() - d].to_string(), digits[digits.len() - d..].to_string())
    } else {
        ("0".to_string(), format!("{digits:0>d$}"))
    };
    let frac = frac.trim_end_matches('0');
    let sign = if neg { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// `value × 10^-decimals` with exactly `decimals` digits after the point ("5541.30000").
pub fn format_fixed(value: i64, decimals: u32) -> String {
    let digits = value.unsigned_abs().to_string();
    let d = decimals as usize;
    let padded = format!("{digits:0>w$}", w = d + 1);
    let (int, frac) = padded.split_at(padded.len() - d);
    let sign = if value < 0 { "-" } else { "" };
    if d == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exchange_text_exactly() {
        assert_eq!(Decimal::parse("0.35210000").unwrap(), Decimal { mantissa: 3521, decimals: 4 });
        assert_eq!(Decimal::parse("45283.5").unwrap(), Decimal { mantissa: 452835, decimals: 1 });
        assert_eq!(Decimal::parse("100").unwrap(), Decimal { mantissa: 100, decimals: 0 });
        assert_eq!(Decimal::parse("0.00000000").unwrap(), Decimal { mantissa: 0, decimals: 0 });
        assert_eq!(Decimal::parse("0.00001234").unwrap().scaled(8), Some(1234));
        assert_eq!(Decimal::parse("0.1").unwrap().scaled(8), Some(10_000_000));
        assert_eq!(Decimal::parse("0.123").unwrap().scaled(2), None, "would lose digits");
        for bad in ["", ".", "1e5", "abc", "1.2.3", " 1", "1,5", "0x10", "99999999999999999999"] {
            assert!(Decimal::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn formats_back_to_text() {
        assert_eq!(format_scaled(3521, 8), "0.00003521");
        assert_eq!(format_scaled(3521_0000, 8), "0.3521");
        assert_eq!(format_scaled(100, 0), "100");
        assert_eq!(format_scaled(-5, 1), "-0.5");
        assert_eq!(format_fixed(554130000, 5), "5541.30000");
        assert_eq!(format_fixed(5, 3), "0.005");
        assert_eq!(format_fixed(7, 0), "7");
    }
}
