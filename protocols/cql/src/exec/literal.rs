//! CQL's text forms of values (what a statement's string literals mean for a column's
//! type): timestamps (`'2024-01-02 03:04:05.678+0100'`), dates, times, uuids, inet
//! addresses and durations (`1h30m`, ISO 8601 `P1DT2H`, `P2W`), as Cassandra reads them.

use crate::error::{CqlError, CqlResult};
use crate::model::value::{DATE_EPOCH, NANOS_PER_DAY};
use num_bigint::BigInt;

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn number(s: &str, what: &str) -> CqlResult<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CqlError::invalid(format!("Unable to parse {what}")));
    }
    s.parse::<i64>().map_err(|_| CqlError::invalid(format!("Unable to parse {what}")))
}

fn ymd(s: &str, what: &str) -> CqlResult<i64> {
    let mut parts = s.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(CqlError::invalid(format!("Unable to coerce '{s}' to a formatted {what}")));
    };
    let (y, m, d) = (number(y, what)?, number(m, what)?, number(d, what)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(CqlError::invalid(format!("Unable to coerce '{s}' to a formatted {what}")));
    }
    Ok(days_from_civil(y, m, d))
}

/// `HH:MM[:SS[.fraction]]` as nanoseconds since midnight.
pub fn parse_time(s: &str) -> CqlResult<i64> {
    let bad = || CqlError::invalid(format!("Unable to coerce '{s}' to a formatted time (long)"));
    let (hms, fraction) = match s.split_once('.') {
        Some((a, f)) => (a, f),
        None => (s, ""),
    };
    let mut parts = hms.split(':');
    let h = number(parts.next().ok_or_else(bad)?, "time")?;
    let m = number(parts.next().ok_or_else(bad)?, "time")?;
    let sec = parts.next().map_or(Ok(0), |p| number(p, "time"))?;
    if parts.next().is_some() || h > 23 || m > 59 || sec > 59 || fraction.len() > 9 {
        return Err(bad());
    }
    let nanos = if fraction.is_empty() { 0 } else { number(fraction, "time")? * 10i64.pow(9 - fraction.len() as u32) };
    let total = ((h * 60 + m) * 60 + sec) * 1_000_000_000 + nanos;
    if total >= NANOS_PER_DAY {
        return Err(bad());
    }
    Ok(total)
}

/// `yyyy-mm-dd` as the `date` encoding (days with 2^31 at the epoch).
pub fn parse_date(s: &str) -> CqlResult<u32> {
    let bad = || CqlError::invalid(format!("Unable to coerce '{s}' to a formatted date (long)"));
    let days = ymd(s, "date").map_err(|_| bad())?;
    u32::try_from(days + i64::from(DATE_EPOCH)).map_err(|_| bad())
}

/// A timestamp literal as milliseconds since the epoch; no zone means UTC.
pub fn parse_timestamp(s: &str) -> CqlResult<i64> {
    let bad = || CqlError::invalid(format!("Unable to parse a date/time from '{s}'"));
    if s.bytes().all(|b| b.is_ascii_digit()) || (s.starts_with('-') && s.len() > 1) {
        return s.parse::<i64>().map_err(|_| bad());
    }
    let date_len = s.find(['T', ' ']).unwrap_or(s.len());
    let (date, rest) = s.split_at(date_len);
    let (date_part, zone_after_date) = if rest.is_empty() { split_zone(date) } else { (date, "") };
    let days = ymd(date_part, "date").map_err(|_| bad())?;
    let (time, zone) = if rest.is_empty() { ("", zone_after_date) } else { split_zone(rest.get(1..).unwrap_or("")) };
    let nanos = if time.is_empty() { 0 } else { parse_time(time).map_err(|_| bad())? };
    let offset_minutes = parse_zone(zone).ok_or_else(bad)?;
    Ok(days * 86_400_000 + nanos / 1_000_000 - offset_minutes * 60_000)
}

/// Splits a trailing `Z`, `+hh[:]mm` or `-hh[:]mm` zone off a time (or a date without
/// time, where only `Z` and `+` zones are unambiguous).
fn split_zone(s: &str) -> (&str, &str) {
    if let Some(stripped) = s.strip_suffix('Z').or_else(|| s.strip_suffix('z')) {
        return (stripped, "Z");
    }
    match s.rfind(['+', '-']) {
        Some(i) if s.contains(':') || s.get(..i).is_some_and(|d| d.matches('-').count() == 2) => s.split_at(i),
        _ => (s, ""),
    }
}

fn parse_zone(zone: &str) -> Option<i64> {
    if zone.is_empty() || zone == "Z" {
        return Some(0);
    }
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let digits: String = zone.get(1..)?.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i64 = digits.get(..2)?.parse().ok()?;
    let m: i64 = digits.get(2..)?.parse().ok()?;
    Some(sign * (h * 60 + m))
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` as 16 bytes.
pub fn parse_uuid(s: &str) -> CqlResult<[u8; 16]> {
    let bad = || CqlError::invalid(format!("Unable to make UUID from '{s}'"));
    let groups: Vec<&str> = s.split('-').collect();
    if groups.iter().map(|g| g.len()).collect::<Vec<_>>() != [8, 4, 4, 4, 12] {
        return Err(bad());
    }
    let hex: String = groups.concat();
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        let pair = hex.get(i * 2..i * 2 + 2).ok_or_else(bad)?;
        *o = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// A decimal's text as Java's `new BigDecimal(String)` reads it (`-1.23E-12`, `.5`,
/// `12.`): (unscaled digits, scale); `None` when it is not one or the scale overflows.
pub fn parse_decimal(s: &str) -> Option<(BigInt, i32)> {
    let (number, exponent) = match s.split_once(['e', 'E']) {
        Some((n, e)) => (n, e.strip_prefix('+').unwrap_or(e).parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (sign, body) = match number.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", number.strip_prefix('+').unwrap_or(number)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = format!("{int}{frac}");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let scale = i32::try_from(frac.len()).ok()?.checked_sub(exponent)?;
    Some((format!("{sign}{digits}").parse().ok()?, scale))
}

/// A duration literal as (months, days, nanoseconds).
pub fn parse_duration(s: &str) -> CqlResult<(i32, i32, i64)> {
    let bad = || CqlError::invalid(format!("Unable to convert '{s}' to a duration"));
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (mut months, mut days, mut nanos) = (0i64, 0i64, 0i64);
    let mut add = |unit: &str, n: i64| -> Option<()> {
        match unit {
            "y" => months = months.checked_add(n.checked_mul(12)?)?,
            "mo" => months = months.checked_add(n)?,
            "w" => days = days.checked_add(n.checked_mul(7)?)?,
            "d" => days = days.checked_add(n)?,
            "h" => nanos = nanos.checked_add(n.checked_mul(3_600_000_000_000)?)?,
            "m" => nanos = nanos.checked_add(n.checked_mul(60_000_000_000)?)?,
            "s" => nanos = nanos.checked_add(n.checked_mul(1_000_000_000)?)?,
            "ms" => nanos = nanos.checked_add(n.checked_mul(1_000_000)?)?,
            "us" | "µs" => nanos = nanos.checked_add(n.checked_mul(1_000)?)?,
            "ns" => nanos = nanos.checked_add(n)?,
            _ => return None,
        }
        Some(())
    };
    if let Some(iso) = body.strip_prefix('P').or_else(|| body.strip_prefix('p')) {
        let (date, time) = match iso.split_once(['T', 't']) {
            Some((d, t)) => (d, Some(t)),
            None => (iso, None),
        };
        for (part, in_time) in [(date, false), (time.unwrap_or(""), true)] {
            let mut digits = String::new();
            for c in part.chars() {
                if c.is_ascii_digit() {
                    digits.push(c);
                    continue;
                }
                let n: i64 = digits.parse().map_err(|_| bad())?;
                digits.clear();
                let unit = match (c.to_ascii_uppercase(), in_time) {
                    ('Y', false) => "y",
                    ('M', false) => "mo",
                    ('W', false) => "w",
                    ('D', false) => "d",
                    ('H', true) => "h",
                    ('M', true) => "m",
                    ('S', true) => "s",
                    _ => return Err(bad()),
                };
                add(unit, n).ok_or_else(bad)?;
            }
            if !digits.is_empty() {
                return Err(bad());
            }
        }
    } else {
        let lower = body.to_ascii_lowercase();
        let mut rest = lower.as_str();
        if rest.is_empty() {
            return Err(bad());
        }
        while !rest.is_empty() {
            let digits_end = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
            let n: i64 = rest.get(..digits_end).unwrap_or("").parse().map_err(|_| bad())?;
            let after = rest.get(digits_end..).unwrap_or("");
            let unit_end = after.find(|c: char| c.is_ascii_digit()).unwrap_or(after.len());
            add(after.get(..unit_end).unwrap_or(""), n).ok_or_else(bad)?;
            rest = after.get(unit_end..).unwrap_or("");
        }
    }
    let sign = if negative { -1 } else { 1 };
    let months = i32::try_from(months * sign).map_err(|_| bad())?;
    let days = i32::try_from(days * sign).map_err(|_| bad())?;
    Ok((months, days, nanos * sign))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_cassandras_formats() {
        assert_eq!(parse_timestamp("1970-01-01").unwrap(), 0);
        assert_eq!(parse_timestamp("2011-02-03 04:05:00").unwrap(), 1_296_705_900_000);
        assert_eq!(parse_timestamp("2011-02-03T04:05:00.123Z").unwrap(), 1_296_705_900_123);
        assert_eq!(parse_timestamp("2011-02-03 04:05+0100").unwrap(), 1_296_705_900_000 - 3_600_000);
        assert_eq!(parse_timestamp("2011-02-03 04:05:00-01:00").unwrap(), 1_296_705_900_000 + 3_600_000);
        assert_eq!(parse_timestamp("1299038700000").unwrap(), 1_299_038_700_000);
        assert!(parse_timestamp("2011-13-03").is_err());
        assert!(parse_timestamp("yesterday").is_err());
    }

    #[test]
    fn dates_times_uuids() {
        assert_eq!(parse_date("1970-01-01").unwrap(), DATE_EPOCH);
        assert_eq!(parse_date("2000-03-01").unwrap(), DATE_EPOCH + 11_017);
        assert_eq!(parse_date("1969-12-31").unwrap(), DATE_EPOCH - 1);
        assert_eq!(parse_time("08:12:54.123456789").unwrap(), 29_574_123_456_789);
        assert_eq!(parse_time("08:12").unwrap(), 29_520_000_000_000);
        assert!(parse_time("24:00:00").is_err());
        let u = parse_uuid("123e4567-e89b-12d3-a456-426614174000").unwrap();
        assert_eq!(u[..4], [0x12, 0x3e, 0x45, 0x67]);
        assert_eq!(u[15], 0x00);
        assert!(parse_uuid("123e4567e89b12d3a456426614174000").is_err());
    }

    #[test]
    fn decimals_as_java_reads_them() {
        assert_eq!(parse_decimal("-1.23E-12"), Some((BigInt::from(-123), 14)));
        assert_eq!(parse_decimal("123123.123123"), Some((BigInt::from(123_123_123_123i64), 6)));
        assert_eq!(parse_decimal("1.0E10"), Some((BigInt::from(10), -9)));
        assert_eq!(parse_decimal(".5"), Some((BigInt::from(5), 1)));
        assert_eq!(parse_decimal("+7"), Some((BigInt::from(7), 0)));
        assert_eq!(parse_decimal("1e-2147483648"), None);
        for bad in ["", ".", "1.2.3", "xyz", "1e", "true", "--1"] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations_in_all_three_forms() {
        assert_eq!(parse_duration("1h30m").unwrap(), (0, 0, 5_400_000_000_000));
        assert_eq!(parse_duration("1y2mo3w4d").unwrap(), (14, 25, 0));
        assert_eq!(parse_duration("-2d10ms").unwrap(), (0, -2, -10_000_000));
        assert_eq!(parse_duration("P1Y2M3DT4H5M6S").unwrap(), (14, 3, 14_706_000_000_000));
        assert_eq!(parse_duration("P2W").unwrap(), (0, 14, 0));
        assert!(parse_duration("3x").is_err());
        assert!(parse_duration("").is_err());
    }
}
