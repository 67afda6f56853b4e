//! Temporal values as Neo4j prints them (`toString`, result tables): ISO 8601 with the
//! shortest time form (`21:40`, `21:40:32`, fractions of 3, 6 or 9 digits), offsets as
//! `Z` or `+01:00`, named zones in brackets after the offset, durations as
//! `P12Y5M14DT16H13M10.000000001S`.

use super::calendar::{civil_from_days, NANOS_PER_SECOND};
use super::duration::{time_nanos, HOUR, MINUTE};
use super::{local_of, split_local};
use crate::value::{DateTime, Duration, LocalDateTime, Time, Zone};
use std::fmt::Write;

pub fn format_date(days: i64) -> String {
    let (year, month, day) = civil_from_days(days);
    let mut out = String::new();
    if year > 9999 {
        let _ = write!(out, "+{year}");
    } else if year < 0 {
        let _ = write!(out, "-{:04}", -year);
    } else {
        let _ = write!(out, "{year:04}");
    }
    let _ = write!(out, "-{month:02}-{day:02}");
    out
}

pub fn format_localtime(nanos_of_day: i64) -> String {
    let total_seconds = nanos_of_day / NANOS_PER_SECOND;
    let nanos = nanos_of_day % NANOS_PER_SECOND;
    let (hour, minute, second) = (total_seconds / 3600, total_seconds / 60 % 60, total_seconds % 60);
    let mut out = format!("{hour:02}:{minute:02}");
    if second > 0 || nanos > 0 {
        let _ = write!(out, ":{second:02}");
        if nanos > 0 {
            if nanos % 1_000_000 == 0 {
                let _ = write!(out, ".{:03}", nanos / 1_000_000);
            } else if nanos % 1_000 == 0 {
                let _ = write!(out, ".{:06}", nanos / 1_000);
            } else {
                let _ = write!(out, ".{nanos:09}");
            }
        }
    }
    out
}

pub fn format_offset(offset_seconds: i32) -> String {
    if offset_seconds == 0 {
        return "Z".to_string();
    }
    let sign = if offset_seconds < 0 { '-' } else { '+' };
    let abs = offset_seconds.unsigned_abs();
    let mut out = format!("{sign}{:02}:{:02}", abs / 3600, abs / 60 % 60);
    if !abs.is_multiple_of(60) {
        let _ = write!(out, ":{:02}", abs % 60);
    }
    out
}

pub fn format_time(t: &Time) -> String {
    format!("{}{}", format_localtime(t.nanos), format_offset(t.offset_seconds))
}

pub fn format_localdatetime(ldt: &LocalDateTime) -> String {
    let (days, nanos) = split_local(ldt);
    format!("{}T{}", format_date(days), format_localtime(nanos))
}

pub fn format_datetime(dt: &DateTime) -> String {
    let mut out = format_localdatetime(&local_of(dt));
    out.push_str(&format_offset(dt.zone.offset_seconds()));
    if let Zone::Named { name, .. } = &dt.zone {
        let _ = write!(out, "[{name}]");
    }
    out
}

pub fn format_duration(d: &Duration) -> String {
    let mut out = String::from("P");
    let (years, months) = (d.months / 12, d.months % 12);
    if years != 0 {
        let _ = write!(out, "{years}Y");
    }
    if months != 0 {
        let _ = write!(out, "{months}M");
    }
    if d.days != 0 {
        let _ = write!(out, "{}D", d.days);
    }
    let total = time_nanos(d);
    if total != 0 {
        out.push('T');
        let hours = total / i128::from(HOUR);
        let minutes = total % i128::from(HOUR) / i128::from(MINUTE);
        let rest = total % i128::from(MINUTE);
        if hours != 0 {
            let _ = write!(out, "{hours}H");
        }
        if minutes != 0 {
            let _ = write!(out, "{minutes}M");
        }
        if rest != 0 {
            if rest < 0 {
                out.push('-');
            }
            let abs = rest.unsigned_abs();
            let whole = abs / NANOS_PER_SECOND as u128;
            let fraction = abs % NANOS_PER_SECOND as u128;
            let _ = write!(out, "{whole}");
            if fraction != 0 {
                let digits = format!("{fraction:09}");
                let _ = write!(out, ".{}", digits.trim_end_matches('0'));
            }
            out.push('S');
        }
    }
    if out == "P" {
        out.push_str("T0S");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::temporal::calendar::days_from_civil;

    #[test]
    fn dates_and_times() {
        assert_eq!(format_date(days_from_civil(28, 11, 11)), "0028-11-11");
        assert_eq!(format_date(days_from_civil(-10, 1, 1)), "-0010-01-01");
        assert_eq!(format_date(days_from_civil(999_999_999, 12, 31)), "+999999999-12-31");
        assert_eq!(format_localtime(21 * 3600 * NANOS_PER_SECOND + 40 * 60 * NANOS_PER_SECOND), "21:40");
        assert_eq!(format_localtime(12 * 3600 * NANOS_PER_SECOND + 645_876_000), "12:00:00.645876");
        assert_eq!(format_offset(3208), "+00:53:28");
        assert_eq!(format_offset(-5400), "-01:30");
    }

    #[test]
    fn durations() {
        // Temporal6 [6].
        let d = |months, days, seconds, nanos| format_duration(&Duration { months, days, seconds, nanos });
        assert_eq!(d(149, 14, 16 * 3600 + 13 * 60 + 10, 1), "P12Y5M14DT16H13M10.000000001S");
        assert_eq!(d(149, -14, 16 * 3600, 0), "P12Y5M-14DT16H");
        assert_eq!(d(0, 0, 660, 0), "PT11M");
        assert_eq!(d(0, 0, -2, 1_000_000), "PT-1.999S");
        assert_eq!(d(0, 0, -61, 999_000_000), "PT-1M-0.001S");
        assert_eq!(d(0, 1, -1, 999_000_000), "P1DT-0.001S");
        assert_eq!(d(0, 0, 0, 0), "PT0S");
    }
}
