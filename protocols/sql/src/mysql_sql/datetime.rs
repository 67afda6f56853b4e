//! MySQL's date and time functions over the engine's values (DATE = days, DATETIME =
//! microseconds, both from 1970-01-01; TIME = microseconds of the day). Strings and
//! numbers are read the way MySQL reads them ('2024-01-02', '2024-01-02 03:04:05.6',
//! 20240102, 20240102030405); what does not read as a date gives NULL. Times are UTC:
//! the session time zone is the listener's business.

use super::functions::num;
use crate::error::SqlError;
use crate::format::{civil_from_days, days_from_civil, days_in_month, MICROS_PER_DAY, MICROS_PER_SEC};
use crate::types::SqlType;
use orbit_storage::Value;

const MONTHS: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// Parses MySQL's date/datetime text: (micros, has a time part).
pub fn parse(s: &str) -> Option<(i64, bool)> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return parse_digits(t);
    }
    let (date, time) = match t.find([' ', 'T']) {
        Some(i) => (&t[..i], Some(t[i + 1..].trim())),
        None => (t, None),
    };
    let parts: Vec<&str> = date.split(['-', '/', '.', ':']).collect();
    if parts.len() != 3 {
        return None;
    }
    let y: i64 = parts[0].parse().ok()?;
    let y = if parts[0].len() <= 2 { if y < 70 { 2000 + y } else { 1900 + y } } else { y };
    let m: u32 = parts[1].parse().ok()?;
    let d: u32 = parts[2].parse().ok()?;
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    let micros = match time {
        Some(tm) if !tm.is_empty() => time_of_day(tm)?,
        _ => 0,
    };
    Some((days * MICROS_PER_DAY + micros, time.is_some()))
}

fn parse_digits(t: &str) -> Option<(i64, bool)> {
    let n = |a: usize, b: usize| t.get(a..b).and_then(|x| x.parse::<i64>().ok());
    let (y, m, d, rest) = match t.len() {
        8 | 14 => (n(0, 4)?, n(4, 6)?, n(6, 8)?, &t[8..]),
        6 | 12 => {
            let y = n(0, 2)?;
            (if y < 70 { 2000 + y } else { 1900 + y }, n(2, 4)?, n(4, 6)?, &t[6..])
        }
        _ => return None,
    };
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m as u32) as i64 {
        return None;
    }
    let days = days_from_civil(y, m as u32, d as u32);
    let micros = if rest.len() == 6 {
        let h: i64 = rest[0..2].parse().ok()?;
        let mi: i64 = rest[2..4].parse().ok()?;
        let s: i64 = rest[4..6].parse().ok()?;
        ((h * 60 + mi) * 60 + s) * MICROS_PER_SEC
    } else {
        0
    };
    Some((days * MICROS_PER_DAY + micros, rest.len() == 6))
}

/// "HH:MM[:SS[.ffffff]]" → micros.
fn time_of_day(t: &str) -> Option<i64> {
    let (hms, frac) = match t.split_once('.') {
        Some((a, f)) => (a, f),
        None => (t, ""),
    };
    let p: Vec<&str> = hms.split(':').collect();
    let h: i64 = p.first()?.trim().parse().ok()?;
    let m: i64 = p.get(1).map(|x| x.parse().ok()).unwrap_or(Some(0))?;
    let s: i64 = p.get(2).map(|x| x.parse().ok()).unwrap_or(Some(0))?;
    if m > 59 || s > 59 {
        return None;
    }
    let mut f: String = frac.chars().take_while(|c| c.is_ascii_digit()).take(6).collect();
    while f.len() < 6 {
        f.push('0');
    }
    Some(((h * 60 + m) * 60 + s) * MICROS_PER_SEC + f.parse::<i64>().unwrap_or(0))
}

/// A value as a point in time: (micros, has a time part).
pub fn micros(v: &Value) -> Option<(i64, bool)> {
    match v {
        Value::Date(d) => Some((*d as i64 * MICROS_PER_DAY, false)),
        Value::Timestamp(t) | Value::TimestampTz(t) => Some((*t, true)),
        Value::Int(i) => parse_digits(&i.to_string()),
        Value::Text(s) => parse(s),
        Value::Bytes(b) => parse(&String::from_utf8_lossy(b)),
        _ => None,
    }
}

/// The largest TIME, 838:59:59.
pub const TIME_MAX: i64 = (838 * 3600 + 59 * 60 + 59) * MICROS_PER_SEC;

/// MySQL's TIME text: `[-][D ]HH:MM[:SS[.ffffff]]` or digits `[H..]HMMSS[.ffffff]`, within
/// ±838:59:59.
pub fn parse_time(s: &str) -> Option<i64> {
    let t = s.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r.trim_start()),
        None => (false, t),
    };
    let (days, t) = match t.split_once(' ') {
        Some((d, rest)) if d.bytes().all(|b| b.is_ascii_digit()) && !d.is_empty() => (d.parse::<i64>().ok()?, rest.trim()),
        _ => (0, t),
    };
    let v = if t.contains(':') {
        time_of_day(t)?
    } else {
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: i64 = whole.parse().ok()?;
        let (h, m, sec) = (n / 10000, n / 100 % 100, n % 100);
        if m > 59 || sec > 59 {
            return None;
        }
        let mut f: String = frac.chars().take(6).collect();
        while f.len() < 6 {
            f.push('0');
        }
        ((h * 60 + m) * 60 + sec) * MICROS_PER_SEC + f.parse::<i64>().unwrap_or(0)
    };
    let v = v + days * MICROS_PER_DAY;
    if v > TIME_MAX + MICROS_PER_SEC - 1 {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// A TIME value's micros (a DATETIME's time of day; "HH:MM:SS" text).
fn time_micros(v: &Value) -> Option<i64> {
    match v {
        Value::Time(t) => Some(*t),
        Value::Timestamp(t) | Value::TimestampTz(t) => Some(t.rem_euclid(MICROS_PER_DAY)),
        Value::Text(s) if !s.trim_start().trim_start_matches('-').contains('-') => parse_time(s),
        other => micros(other).map(|(t, _)| t.rem_euclid(MICROS_PER_DAY)),
    }
}

/// A temporal value as MySQL's number (YYYYMMDD, YYYYMMDDhhmmss, hhmmss).
pub fn as_number(v: &Value) -> f64 {
    match v {
        Value::Date(d) => {
            let (y, m, dd) = civil_from_days(*d as i64);
            (y * 10000 + m as i64 * 100 + dd as i64) as f64
        }
        Value::Timestamp(t) | Value::TimestampTz(t) => {
            let (y, m, d) = civil_from_days(t.div_euclid(MICROS_PER_DAY));
            let s = t.rem_euclid(MICROS_PER_DAY) / MICROS_PER_SEC;
            ((y * 10000 + m as i64 * 100 + d as i64) * 1_000_000 + (s / 3600) * 10000 + (s / 60 % 60) * 100 + s % 60) as f64
        }
        Value::Time(t) => {
            let s = t / MICROS_PER_SEC;
            ((s / 3600) * 10000 + (s / 60 % 60) * 100 + s % 60) as f64
        }
        _ => 0.0,
    }
}

fn format_datetime(t: i64, with_time: bool) -> String {
    let v = if with_time { Value::Timestamp(t) } else { Value::Date(t.div_euclid(MICROS_PER_DAY) as i32) };
    super::format::text(&v).unwrap_or_default()
}

/// The result value of a date computation in the type the binder chose.
fn result(t: i64, has_time: bool, ty: &SqlType) -> Value {
    match ty {
        SqlType::Date => Value::Date(t.div_euclid(MICROS_PER_DAY) as i32),
        SqlType::Timestamp => Value::Timestamp(t),
        SqlType::Time => Value::Time(t.rem_euclid(MICROS_PER_DAY)),
        _ => Value::Text(format_datetime(t, has_time)),
    }
}

/// An interval amount in micros and months for `unit` (composites such as HOUR_MINUTE
/// read '1:30').
fn interval(value: &Value, unit: &str) -> Option<(i64, i64)> {
    let fixed = |u: &str| -> Option<i64> {
        Some(match u {
            "MICROSECOND" => 1,
            "SECOND" => MICROS_PER_SEC,
            "MINUTE" => 60 * MICROS_PER_SEC,
            "HOUR" => 3600 * MICROS_PER_SEC,
            "DAY" => MICROS_PER_DAY,
            "WEEK" => 7 * MICROS_PER_DAY,
            _ => return None,
        })
    };
    let months = |u: &str| -> Option<i64> {
        Some(match u {
            "MONTH" => 1,
            "QUARTER" => 3,
            "YEAR" => 12,
            _ => return None,
        })
    };
    if !unit.contains('_') {
        let n = match value {
            Value::Text(s) => super::types::numeric_prefix(s).0,
            Value::Int(i) => (*i).into(),
            Value::Decimal(d) => d.clone(),
            other => num(other).to_string().parse().ok()?,
        };
        use bigdecimal::ToPrimitive;
        if let Some(m) = months(unit) {
            return Some((0, n.round(0).to_i64()? * m));
        }
        let f = fixed(unit)?;
        let micros = if unit == "SECOND" { (n * bigdecimal::BigDecimal::from(f)).round(0).to_i64()? } else { n.round(0).to_i64()? * f };
        return Some((micros, 0));
    }
    let text = super::types::as_text(value.clone());
    let neg = text.trim().starts_with('-');
    let nums: Vec<i64> = text.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty()).filter_map(|p| p.parse().ok()).collect();
    let units: &[&str] = match unit {
        "YEAR_MONTH" => &["YEAR", "MONTH"],
        "DAY_HOUR" => &["DAY", "HOUR"],
        "DAY_MINUTE" => &["DAY", "HOUR", "MINUTE"],
        "DAY_SECOND" => &["DAY", "HOUR", "MINUTE", "SECOND"],
        "DAY_MICROSECOND" => &["DAY", "HOUR", "MINUTE", "SECOND", "MICROSECOND"],
        "HOUR_MINUTE" => &["HOUR", "MINUTE"],
        "HOUR_SECOND" => &["HOUR", "MINUTE", "SECOND"],
        "HOUR_MICROSECOND" => &["HOUR", "MINUTE", "SECOND", "MICROSECOND"],
        "MINUTE_SECOND" => &["MINUTE", "SECOND"],
        "MINUTE_MICROSECOND" => &["MINUTE", "SECOND", "MICROSECOND"],
        "SECOND_MICROSECOND" => &["SECOND", "MICROSECOND"],
        _ => return None,
    };
    // Values align to the right: '1:30' HOUR_SECOND is 1 minute 30 seconds.
    let skip = units.len().saturating_sub(nums.len());
    let (mut micros, mut mon) = (0i64, 0i64);
    for (u, n) in units[skip..].iter().zip(&nums) {
        match months(u) {
            Some(m) => mon += n * m,
            None => micros += n * fixed(u)?,
        }
    }
    Some(if neg { (-micros, -mon) } else { (micros, mon) })
}

fn add(t: i64, micros: i64, months: i64) -> i64 {
    let days = t.div_euclid(MICROS_PER_DAY);
    let rest = t.rem_euclid(MICROS_PER_DAY);
    let days = if months != 0 { crate::expr::functions::add_months(days, months) } else { days };
    days * MICROS_PER_DAY + rest + micros
}

fn weekday(days: i64) -> i64 {
    (days + 3).rem_euclid(7)
}

fn days_in_year(y: i64) -> i64 {
    if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
        366
    } else {
        365
    }
}

/// MySQL's calc_week: (week, year) for WEEK(d, mode) / YEARWEEK.
fn calc_week(days: i64, mode: i64) -> (i64, i64) {
    let mut behaviour = mode & 7;
    if behaviour & 1 == 0 {
        behaviour ^= 4;
    }
    let monday_first = behaviour & 1 != 0;
    let mut week_year = behaviour & 2 != 0;
    let first_weekday = behaviour & 4 != 0;
    let (y, m, d) = civil_from_days(days);
    let mut year = y;
    let mut first = days_from_civil(y, 1, 1);
    let calc_weekday = |n: i64| if monday_first { weekday(n) } else { (n + 4).rem_euclid(7) };
    let mut wd = calc_weekday(first);
    if m == 1 && (d as i64) <= 7 - wd {
        if !week_year && ((first_weekday && wd != 0) || (!first_weekday && wd >= 4)) {
            return (0, year);
        }
        week_year = true;
        year -= 1;
        let n = days_in_year(year);
        first -= n;
        wd = (wd + 53 * 7 - n).rem_euclid(7);
    }
    let span = if (first_weekday && wd != 0) || (!first_weekday && wd >= 4) { days - (first + (7 - wd)) } else { days - (first - wd) };
    if week_year && span >= 52 * 7 {
        let wd2 = (wd + days_in_year(year)).rem_euclid(7);
        if (!first_weekday && wd2 < 4) || (first_weekday && wd2 == 0) {
            return (1, year + 1);
        }
    }
    (span / 7 + 1, year)
}

fn ordinal(d: u32) -> String {
    let suffix = match (d % 10, d % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{d}{suffix}")
}

/// DATE_FORMAT / TIME_FORMAT.
pub fn date_format(t: i64, fmt: &str) -> String {
    let days = t.div_euclid(MICROS_PER_DAY);
    let rest = t.rem_euclid(MICROS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s, us) = (rest / 3_600_000_000, rest / 60_000_000 % 60, rest / 1_000_000 % 60, rest % 1_000_000);
    let h12 = if h % 12 == 0 { 12 } else { h % 12 };
    let mut out = String::new();
    let mut it = fmt.chars();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(k) = it.next() else { break };
        match k {
            'a' => out.push_str(&DAYS[weekday(days) as usize][..3]),
            'b' => out.push_str(&MONTHS[m as usize - 1][..3]),
            'c' => out.push_str(&m.to_string()),
            'D' => out.push_str(&ordinal(d)),
            'd' => out.push_str(&format!("{d:02}")),
            'e' => out.push_str(&d.to_string()),
            'f' => out.push_str(&format!("{us:06}")),
            'H' => out.push_str(&format!("{h:02}")),
            'h' | 'I' => out.push_str(&format!("{h12:02}")),
            'i' => out.push_str(&format!("{mi:02}")),
            'j' => out.push_str(&format!("{:03}", days - days_from_civil(y, 1, 1) + 1)),
            'k' => out.push_str(&h.to_string()),
            'l' => out.push_str(&h12.to_string()),
            'M' => out.push_str(MONTHS[m as usize - 1]),
            'm' => out.push_str(&format!("{m:02}")),
            'p' => out.push_str(if h < 12 { "AM" } else { "PM" }),
            'r' => out.push_str(&format!("{h12:02}:{mi:02}:{s:02} {}", if h < 12 { "AM" } else { "PM" })),
            'S' | 's' => out.push_str(&format!("{s:02}")),
            'T' => out.push_str(&format!("{h:02}:{mi:02}:{s:02}")),
            'U' => out.push_str(&format!("{:02}", calc_week(days, 0).0)),
            'u' => out.push_str(&format!("{:02}", calc_week(days, 1).0)),
            'V' => out.push_str(&format!("{:02}", calc_week(days, 2).0)),
            'v' => out.push_str(&format!("{:02}", calc_week(days, 3).0)),
            'W' => out.push_str(DAYS[weekday(days) as usize]),
            'w' => out.push_str(&((weekday(days) + 1) % 7).to_string()),
            'X' => out.push_str(&format!("{:04}", calc_week(days, 2).1)),
            'x' => out.push_str(&format!("{:04}", calc_week(days, 3).1)),
            'Y' => out.push_str(&format!("{y:04}")),
            'y' => out.push_str(&format!("{:02}", y.rem_euclid(100))),
            other => out.push(other),
        }
    }
    out
}

/// STR_TO_DATE: (micros, the format has a time part), or None when the text does not match.
pub fn str_to_date(s: &str, fmt: &str) -> Option<(i64, bool)> {
    let b = s.as_bytes();
    let mut i = 0;
    let (mut y, mut mo, mut d, mut h, mut mi, mut sec, mut us) = (0i64, 0i64, 0i64, 0i64, 0i64, 0i64, 0i64);
    let mut pm: Option<bool> = None;
    let mut has_time = false;
    let num = |i: &mut usize, max: usize| -> Option<i64> {
        let start = *i;
        while *i < b.len() && *i - start < max && b[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == start {
            return None;
        }
        s[start..*i].parse().ok()
    };
    let mut it = fmt.chars();
    while let Some(c) = it.next() {
        if c != '%' {
            if c.is_whitespace() {
                while i < b.len() && (b[i] as char).is_whitespace() {
                    i += 1;
                }
                continue;
            }
            if i < b.len() && b[i] as char == c {
                i += 1;
                continue;
            }
            return None;
        }
        let k = it.next()?;
        match k {
            'Y' => y = num(&mut i, 4)?,
            'y' => {
                let v = num(&mut i, 2)?;
                y = if v < 70 { 2000 + v } else { 1900 + v };
            }
            'm' | 'c' => mo = num(&mut i, 2)?,
            'd' | 'e' => d = num(&mut i, 2)?,
            'H' | 'k' | 'h' | 'I' | 'l' => {
                h = num(&mut i, 2)?;
                has_time = true;
            }
            'i' => {
                mi = num(&mut i, 2)?;
                has_time = true;
            }
            'S' | 's' => {
                sec = num(&mut i, 2)?;
                has_time = true;
            }
            'f' => {
                let start = i;
                let v = num(&mut i, 6)?;
                us = v * 10i64.pow(6 - (i - start) as u32);
                has_time = true;
            }
            'p' => {
                let t = s.get(i..i + 2)?.to_ascii_uppercase();
                pm = Some(t == "PM");
                i += 2;
            }
            'M' | 'b' => {
                let rest = s[i..].to_lowercase();
                let (n, len) = MONTHS.iter().enumerate().find_map(|(n, name)| {
                    let name = name.to_lowercase();
                    if k == 'M' && rest.starts_with(&name) {
                        Some((n, name.len()))
                    } else if rest.starts_with(&name[..3]) {
                        Some((n, if k == 'M' { name.len().min(rest.len()) } else { 3 }))
                    } else {
                        None
                    }
                })?;
                mo = n as i64 + 1;
                i += len;
            }
            'T' => {
                h = num(&mut i, 2)?;
                i += 1;
                mi = num(&mut i, 2)?;
                i += 1;
                sec = num(&mut i, 2)?;
                has_time = true;
            }
            '%' => {
                if b.get(i) != Some(&b'%') {
                    return None;
                }
                i += 1;
            }
            _ => return None,
        }
    }
    if let Some(p) = pm {
        h = h % 12 + if p { 12 } else { 0 };
    }
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo as u32) as i64 || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let days = days_from_civil(y, mo as u32, d as u32);
    Some((days * MICROS_PER_DAY + ((h * 60 + mi) * 60 + sec) * MICROS_PER_SEC + us, has_time))
}

fn text_arg(v: &Value) -> String {
    super::types::as_text(v.clone())
}

/// Evaluates a date/time `__my_*` function, or `None` when `name` is not one.
pub fn call(name: &str, args: &[Value], ty: &SqlType, now: i64) -> Result<Option<Value>, SqlError> {
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    let point = |i: usize| micros(&arg(i));
    let null = Ok(Some(Value::Null));
    let fsp = |v: i64| match args.first() {
        Some(Value::Int(p)) if *p > 0 => v,
        _ => v - v.rem_euclid(MICROS_PER_SEC),
    };
    Ok(Some(match name {
        "now" | "sysdate" | "utc_timestamp" => Value::Timestamp(fsp(now)),
        "curdate" | "utc_date" => Value::Date(now.div_euclid(MICROS_PER_DAY) as i32),
        "curtime" | "utc_time" => Value::Time(fsp(now).rem_euclid(MICROS_PER_DAY)),
        "date_add" => {
            let Some((t, has_time)) = point(0) else { return null };
            let unit = text_arg(&arg(2));
            let Some((us, months)) = interval(&arg(1), &unit) else { return null };
            let sign = if arg(3) == Value::Int(-1) { -1 } else { 1 };
            let r = add(t, sign * us, sign * months);
            let has_time = has_time || !matches!(unit.as_str(), "DAY" | "WEEK" | "MONTH" | "QUARTER" | "YEAR" | "YEAR_MONTH");
            if *ty == SqlType::Time {
                let base = time_micros(&arg(0)).unwrap_or(0);
                Value::Time((base + sign * us).rem_euclid(MICROS_PER_DAY))
            } else {
                result(r, has_time, ty)
            }
        }
        "timestampadd" => {
            let unit = text_arg(&arg(0)).to_uppercase();
            let Some((t, has_time)) = point(2) else { return null };
            let Some((us, months)) = interval(&arg(1), &unit) else { return null };
            let has_time = has_time || !matches!(unit.as_str(), "DAY" | "WEEK" | "MONTH" | "QUARTER" | "YEAR");
            let r = add(t, us, months);
            if has_time { Value::Timestamp(r) } else { Value::Date(r.div_euclid(MICROS_PER_DAY) as i32) }
        }
        "timestampdiff" => {
            let unit = text_arg(&arg(0)).to_uppercase();
            let (Some((a, _)), Some((b, _))) = (point(1), point(2)) else { return null };
            let months = || {
                let (ya, ma, _) = civil_from_days(a.div_euclid(MICROS_PER_DAY));
                let (yb, mb, _) = civil_from_days(b.div_euclid(MICROS_PER_DAY));
                let mut n = (yb - ya) * 12 + mb as i64 - ma as i64;
                // A month counts only when the later day/time has reached the earlier's.
                let shifted = add(a, 0, n);
                if b >= a && shifted > b {
                    n -= 1;
                } else if b < a && shifted < b {
                    n += 1;
                }
                n
            };
            Value::Int(match unit.as_str() {
                "MICROSECOND" => b - a,
                "SECOND" => (b - a) / MICROS_PER_SEC,
                "MINUTE" => (b - a) / (60 * MICROS_PER_SEC),
                "HOUR" => (b - a) / (3600 * MICROS_PER_SEC),
                "DAY" => (b - a) / MICROS_PER_DAY,
                "WEEK" => (b - a) / (7 * MICROS_PER_DAY),
                "MONTH" => months(),
                "QUARTER" => months() / 3,
                "YEAR" => months() / 12,
                _ => return Err(SqlError::not_supported(format!("TIMESTAMPDIFF unit {unit}"))),
            })
        }
        "timediff" | "addtime" | "subtime" => {
            // Two DATETIMEs (TIMEDIFF) or a DATETIME/TIME and a TIME: the result keeps the
            // first argument's kind.
            let is_point = |v: &Value| match v {
                Value::Date(_) | Value::Timestamp(_) | Value::TimestampTz(_) => true,
                Value::Text(s) => s.trim_start().trim_start_matches('-').contains('-'),
                _ => false,
            };
            let (a, b) = (arg(0), arg(1));
            if name == "timediff" {
                let diff = match (is_point(&a), is_point(&b)) {
                    (true, true) => match (micros(&a), micros(&b)) {
                        (Some((x, _)), Some((y, _))) => x - y,
                        _ => return null,
                    },
                    (false, false) => match (time_micros(&a), time_micros(&b)) {
                        (Some(x), Some(y)) => x - y,
                        _ => return null,
                    },
                    _ => return null,
                };
                Value::Time(diff.clamp(-TIME_MAX, TIME_MAX))
            } else {
                let Some(d) = time_micros(&b) else { return null };
                let d = if name == "subtime" { -d } else { d };
                if is_point(&a) {
                    let Some((x, _)) = micros(&a) else { return null };
                    Value::Timestamp(x + d)
                } else {
                    let Some(x) = time_micros(&a) else { return null };
                    Value::Time((x + d).clamp(-TIME_MAX, TIME_MAX))
                }
            }
        }
        "datediff" => {
            let (Some((a, _)), Some((b, _))) = (point(0), point(1)) else { return null };
            Value::Int(a.div_euclid(MICROS_PER_DAY) - b.div_euclid(MICROS_PER_DAY))
        }
        "date_format" | "time_format" => {
            let t = if name == "time_format" { time_micros(&arg(0)) } else { point(0).map(|p| p.0) };
            let Some(t) = t else { return null };
            Value::Text(date_format(t, &text_arg(&arg(1))))
        }
        "str_to_date" => {
            let Some((t, has_time)) = str_to_date(&text_arg(&arg(0)), &text_arg(&arg(1))) else { return null };
            if has_time { Value::Timestamp(t) } else { Value::Date(t.div_euclid(MICROS_PER_DAY) as i32) }
        }
        "year" | "month" | "day" | "dayofweek" | "dayofyear" | "weekday" | "week" | "weekofyear" | "quarter"
        | "yearweek" | "to_days" | "last_day_num" => {
            let Some((t, _)) = point(0) else { return null };
            let days = t.div_euclid(MICROS_PER_DAY);
            let (y, m, d) = civil_from_days(days);
            let mode = if args.len() > 1 { super::functions::num(&arg(1)) as i64 } else { 0 };
            Value::Int(match name {
                "year" => y,
                "month" => m as i64,
                "day" => d as i64,
                "dayofweek" => (weekday(days) + 1) % 7 + 1,
                "dayofyear" => days - days_from_civil(y, 1, 1) + 1,
                "weekday" => weekday(days),
                "week" => calc_week(days, mode).0,
                "weekofyear" => calc_week(days, 3).0,
                "yearweek" => {
                    let (w, yy) = calc_week(days, mode | 2);
                    yy * 100 + w
                }
                "quarter" => (m as i64 - 1) / 3 + 1,
                "to_days" => days + 719_528,
                _ => d as i64,
            })
        }
        "hour" | "minute" | "second" | "microsecond" | "time_to_sec" => {
            let Some(t) = time_micros(&arg(0)) else { return null };
            let s = t / MICROS_PER_SEC;
            Value::Int(match name {
                "hour" => s / 3600,
                "minute" => s / 60 % 60,
                "second" => s % 60,
                "microsecond" => t % MICROS_PER_SEC,
                _ => s,
            })
        }
        "extract" => {
            let unit = text_arg(&arg(0));
            let v = arg(1);
            let Some((t, _)) = micros(&v).or_else(|| time_micros(&v).map(|t| (t, true))) else { return null };
            let days = t.div_euclid(MICROS_PER_DAY);
            let (y, m, d) = civil_from_days(days);
            let rest = t.rem_euclid(MICROS_PER_DAY);
            Value::Int(match unit.as_str() {
                "YEAR" => y,
                "MONTH" => m as i64,
                "DAY" => d as i64,
                "QUARTER" => (m as i64 - 1) / 3 + 1,
                "WEEK" => calc_week(days, 0).0,
                "HOUR" => rest / 3_600_000_000,
                "MINUTE" => rest / 60_000_000 % 60,
                "SECOND" => rest / 1_000_000 % 60,
                "MICROSECOND" => rest % 1_000_000,
                "YEAR_MONTH" => y * 100 + m as i64,
                other => return Err(SqlError::not_supported(format!("EXTRACT({other} ...)"))),
            })
        }
        "last_day" => {
            let Some((t, _)) = point(0) else { return null };
            let (y, m, _) = civil_from_days(t.div_euclid(MICROS_PER_DAY));
            Value::Date(days_from_civil(y, m, days_in_month(y, m)) as i32)
        }
        "from_days" => Value::Date((super::functions::num(&arg(0)) as i64 - 719_528) as i32),
        "makedate" => {
            let (y, n) = (num(&arg(0)) as i64, num(&arg(1)) as i64);
            if n < 1 {
                return null;
            }
            Value::Date((days_from_civil(y, 1, 1) + n - 1) as i32)
        }
        "sec_to_time" => Value::Time((num(&arg(0)) * MICROS_PER_SEC as f64) as i64),
        "maketime" => Value::Time(((num(&arg(0)) as i64 * 60 + num(&arg(1)) as i64) * 60) * MICROS_PER_SEC + (num(&arg(2)) * MICROS_PER_SEC as f64) as i64),
        "unix_timestamp" => match args.first() {
            None => Value::Int(now.div_euclid(MICROS_PER_SEC)),
            Some(v) => {
                let Some((t, _)) = micros(v) else { return null };
                if t % MICROS_PER_SEC == 0 || *ty != SqlType::Numeric {
                    if *ty == SqlType::Numeric {
                        Value::Decimal((t / MICROS_PER_SEC).into())
                    } else {
                        Value::Int(t / MICROS_PER_SEC)
                    }
                } else {
                    Value::Decimal(bigdecimal::BigDecimal::new(t.into(), 6))
                }
            }
        },
        "from_unixtime" => {
            let secs = num(&arg(0));
            if secs < 0.0 {
                return null;
            }
            let t = (secs * MICROS_PER_SEC as f64).round() as i64;
            if args.len() > 1 {
                Value::Text(date_format(t, &text_arg(&arg(1))))
            } else {
                Value::Timestamp(t)
            }
        }
        "date" | "to_date" => {
            let Some((t, _)) = point(0) else { return null };
            Value::Date(t.div_euclid(MICROS_PER_DAY) as i32)
        }
        "timestamp" | "to_datetime" => {
            let Some((t, _)) = point(0) else { return null };
            Value::Timestamp(t)
        }
        "time" | "to_time" => {
            let Some(t) = time_micros(&arg(0)) else { return null };
            Value::Time(t)
        }
        "monthname" => {
            let Some((t, _)) = point(0) else { return null };
            let (_, m, _) = civil_from_days(t.div_euclid(MICROS_PER_DAY));
            Value::Text(MONTHS[m as usize - 1].into())
        }
        "dayname" => {
            let Some((t, _)) = point(0) else { return null };
            Value::Text(DAYS[weekday(t.div_euclid(MICROS_PER_DAY)) as usize].into())
        }
        _ => return Ok(None),
    }))
}
