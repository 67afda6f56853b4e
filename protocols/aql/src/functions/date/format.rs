//! DATE_FORMAT: ArangoDB's `%` placeholders (`%t`, `%z`, `%w`, `%y`..`%yyyyyy`,
//! `%m`..`%mmmm`, `%d`, `%h`, `%i`, `%s`, `%f`, `%x`, `%k`, `%l`, `%q`, `%a`, `%www`,
//! `%wwww`, `%&`, `%%`), the longest placeholder matching first; other text is copied.

use super::civil::{self, Civil};
use super::{date_arg, to_local, zone_arg};
use crate::error::AqlResult;
use crate::functions::Args;
use crate::value::Value;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/// Placeholders, longest first within each letter.
const PLACEHOLDERS: &[&str] = &[
    "yyyyyy", "yyyy", "yy", "y", "mmmm", "mmm", "mm", "m", "wwww", "www", "w", "dd", "d", "hh", "h", "ii", "i", "ss",
    "s", "fff", "f", "xxx", "x", "kk", "k", "t", "z", "l", "q", "a", "&", "%",
];

fn render(p: &str, c: &Civil, ms: i64) -> String {
    let month_name = MONTHS.get(c.month as usize - 1).copied().unwrap_or("");
    let day_name = DAYS.get(c.weekday() as usize).copied().unwrap_or("");
    match p {
        "t" => ms.to_string(),
        "z" => civil::format_iso(ms),
        "w" => c.weekday().to_string(),
        "www" => day_name.chars().take(3).collect(),
        "wwww" => day_name.to_string(),
        "y" => c.year.to_string(),
        "yy" => format!("{:02}", c.year.rem_euclid(100)),
        "yyyy" => format!("{:04}", c.year),
        "yyyyyy" => format!("{}{:06}", if c.year < 0 { '-' } else { '+' }, c.year.abs()),
        "m" => c.month.to_string(),
        "mm" => format!("{:02}", c.month),
        "mmm" => month_name.chars().take(3).collect(),
        "mmmm" => month_name.to_string(),
        "d" => c.day.to_string(),
        "dd" => format!("{:02}", c.day),
        "h" => c.hour.to_string(),
        "hh" => format!("{:02}", c.hour),
        "i" => c.minute.to_string(),
        "ii" => format!("{:02}", c.minute),
        "s" => c.second.to_string(),
        "ss" => format!("{:02}", c.second),
        "f" => c.milli.to_string(),
        "fff" => format!("{:03}", c.milli),
        "x" => c.day_of_year().to_string(),
        "xxx" => format!("{:03}", c.day_of_year()),
        "k" => c.iso_week().0.to_string(),
        "kk" => format!("{:02}", c.iso_week().0),
        "l" => u8::from(civil::is_leap(c.year)).to_string(),
        "q" => ((c.month - 1) / 3 + 1).to_string(),
        "a" => civil::days_in_month(c.year, c.month).to_string(),
        "%" => "%".to_string(),
        _ => String::new(),
    }
}

/// DATE_FORMAT: every placeholder, `%t` and `%z` too, reads the wall time of the zone
/// given (as ArangoDB formats the shifted time point).
pub(super) fn date_format(args: &mut Args) -> AqlResult<Value> {
    let Some(ms) = date_arg(args, 0) else { return Ok(Value::Null) };
    let Value::String(pattern) = args.get(1) else { return Ok(args.type_error()) };
    let pattern = pattern.clone();
    let Some(zone) = zone_arg(args, 2) else { return Ok(Value::Null) };
    let local = to_local(&zone, ms);
    let c = Civil::from_ms(local);
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut rest = pattern.as_str();
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        match PLACEHOLDERS.iter().find(|p| rest.starts_with(*p)) {
            Some(p) => {
                out.push_str(&render(p, &c, local));
                rest = &rest[p.len()..];
            }
            None => {
                if let Some(ch) = rest.chars().next() {
                    out.push(ch);
                    rest = &rest[ch.len_utf8()..];
                }
            }
        }
    }
    out.push_str(rest);
    Ok(Value::String(out))
}
