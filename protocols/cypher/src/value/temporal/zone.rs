//! Time zones: fixed offsets (`+01:00`, `-0130`, `Z`) and named zones (`Europe/Stockholm`)
//! read from the machine's tz database (`/usr/share/zoneinfo`, Debian's tzdata) by our own
//! bounded TZif reader: transitions, their offsets, and the POSIX TZ rule of the footer for
//! instants after the last transition. Parsed zones are kept in a small process-wide cache.
//!
//! A zone that is not installed is a NotSupported error that names it; a name that is not
//! a plausible zone name is an ArgumentError.

use super::calendar::{civil_from_days, day_of_week, days_from_civil, days_in_month, SECONDS_PER_DAY};
use crate::error::{CypherError, CypherResult};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

const ZONEINFO: &str = "/usr/share/zoneinfo";
const MAX_FILE: u64 = 1 << 20;
const MAX_CACHED: usize = 512;

/// Parses an offset as Cypher writes it: `Z`, `+hh`, `+hhmm`, `+hh:mm`, `+hh:mm:ss`.
pub fn parse_offset(s: &str) -> Option<i32> {
    if s == "Z" || s == "z" {
        return Some(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let digits: Vec<u8> = rest.bytes().filter(|b| *b != b':').collect();
    if !digits.iter().all(u8::is_ascii_digit) || !matches!(digits.len(), 2 | 4 | 6) {
        return None;
    }
    let has_colons = rest.contains(':');
    if has_colons && !matches!(rest.len(), 5 | 8) {
        return None;
    }
    let num = |i: usize| i32::from(digits[i] - b'0') * 10 + i32::from(digits[i + 1] - b'0');
    let hours = num(0);
    let minutes = if digits.len() >= 4 { num(2) } else { 0 };
    let seconds = if digits.len() == 6 { num(4) } else { 0 };
    if hours > 18 || minutes > 59 || seconds > 59 || (hours == 18 && (minutes > 0 || seconds > 0)) {
        return None;
    }
    Some(sign * (hours * 3600 + minutes * 60 + seconds))
}

fn plausible_zone_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('/')
        && !name.split('/').any(|part| part.is_empty() || part == "." || part == "..")
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'+'))
}

/// The zone of a given name, read once from the tz database.
pub fn named_zone(name: &str) -> CypherResult<Arc<TzInfo>> {
    if !plausible_zone_name(name) {
        return Err(CypherError::argument(format!("Invalid value for TimeZone: Text '{name}'")));
    }
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(zone) = cache.lock().get(name) {
        return Ok(zone.clone());
    }
    let path = format!("{ZONEINFO}/{name}");
    let unknown = || CypherError::not_supported(format!("Time zone '{name}' is not available on this server"));
    let meta = std::fs::metadata(&path).map_err(|_| unknown())?;
    if !meta.is_file() || meta.len() > MAX_FILE {
        return Err(unknown());
    }
    let bytes = std::fs::read(&path).map_err(|_| unknown())?;
    let zone = Arc::new(TzInfo::parse(&bytes).ok_or_else(unknown)?);
    let mut cache = cache.lock();
    if cache.len() >= MAX_CACHED {
        cache.clear();
    }
    cache.insert(name.to_string(), zone.clone());
    Ok(zone)
}

static CACHE: OnceLock<Mutex<HashMap<String, Arc<TzInfo>>>> = OnceLock::new();

/// One zone's offsets over time.
#[derive(Debug)]
pub struct TzInfo {
    transitions: Vec<i64>,
    /// Offset in effect from each transition on.
    offsets: Vec<i32>,
    /// Offset before the first transition.
    initial: i32,
    rule: Option<PosixRule>,
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn i32(&mut self) -> Option<i32> {
        self.u32().map(|v| v as i32)
    }
    fn i64(&mut self) -> Option<i64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Some(i64::from_be_bytes(a))
    }
}

struct Header {
    version: u8,
    counts: [usize; 6],
}

fn header(r: &mut Reader) -> Option<Header> {
    if r.take(4)? != b"TZif" {
        return None;
    }
    let version = *r.take(1)?.first()?;
    r.take(15)?;
    let mut counts = [0usize; 6];
    for c in &mut counts {
        *c = usize::try_from(r.u32()?).ok()?;
        if *c > 100_000 {
            return None;
        }
    }
    Some(Header { version, counts })
}

impl TzInfo {
    fn parse(bytes: &[u8]) -> Option<TzInfo> {
        let mut r = Reader { bytes, pos: 0 };
        let mut h = header(&mut r)?;
        let mut time_size = 4;
        if h.version >= b'2' {
            let [isut, isstd, leap, time, types, chars] = h.counts;
            r.take(time * 5 + types * 6 + chars + leap * 8 + isstd + isut)?;
            h = header(&mut r)?;
            time_size = 8;
        }
        let [isut, isstd, leap, time, types, chars] = h.counts;
        if types == 0 {
            return None;
        }
        let mut transitions = Vec::with_capacity(time);
        for _ in 0..time {
            transitions.push(if time_size == 8 { r.i64()? } else { i64::from(r.i32()?) });
        }
        let indices = r.take(time)?.to_vec();
        let mut type_offsets = Vec::with_capacity(types);
        for _ in 0..types {
            type_offsets.push(r.i32()?);
            r.take(2)?;
        }
        r.take(chars + leap * (time_size + 4) + isstd + isut)?;
        let offsets = indices.iter().map(|i| type_offsets.get(usize::from(*i)).copied()).collect::<Option<Vec<_>>>()?;
        let rule = if time_size == 8 {
            let rest = r.bytes.get(r.pos..).unwrap_or(&[]);
            let text = std::str::from_utf8(rest).ok()?.trim_matches('\n');
            if text.is_empty() {
                None
            } else {
                PosixRule::parse(text)
            }
        } else {
            None
        };
        Some(TzInfo { transitions, offsets, initial: type_offsets[0], rule })
    }

    /// The offset from UTC in effect at an instant.
    pub fn offset_at(&self, utc_seconds: i64) -> i32 {
        let after = self.transitions.partition_point(|t| *t <= utc_seconds);
        if after == 0 {
            return if self.transitions.is_empty() { self.rule_or(utc_seconds, self.initial) } else { self.initial };
        }
        if after == self.transitions.len() {
            if let Some(rule) = &self.rule {
                return rule.offset_at(utc_seconds);
            }
        }
        self.offsets.get(after - 1).copied().unwrap_or(self.initial)
    }

    fn rule_or(&self, utc_seconds: i64, default: i32) -> i32 {
        self.rule.as_ref().map(|r| r.offset_at(utc_seconds)).unwrap_or(default)
    }

    /// The offset a local date-time has in this zone: in an overlap the earlier one, in a
    /// gap the one before it (so the clock moves forward by the gap, as Java does).
    pub fn offset_for_local(&self, local_seconds: i64) -> i32 {
        let mut candidates = [
            self.offset_at(local_seconds.saturating_sub(SECONDS_PER_DAY)),
            self.offset_at(local_seconds),
            self.offset_at(local_seconds.saturating_add(SECONDS_PER_DAY)),
        ];
        candidates.sort_unstable_by(|a, b| b.cmp(a));
        let valid: Vec<i32> =
            candidates.iter().copied().filter(|o| self.offset_at(local_seconds - i64::from(*o)) == *o).collect();
        if let Some(first) = valid.first() {
            return *first;
        }
        self.offset_at(local_seconds.saturating_sub(SECONDS_PER_DAY))
    }
}

/// The footer rule `std offset [dst [offset] ,start[/time],end[/time]]`.
#[derive(Debug)]
struct PosixRule {
    std_offset: i32,
    dst: Option<(i32, RuleDate, i32, RuleDate, i32)>,
}

#[derive(Debug, Clone, Copy)]
enum RuleDate {
    /// `Jn`: day 1..=365, February 29 never counted.
    Julian(i64),
    /// `n`: day 0..=365 counting February 29.
    Zero(i64),
    /// `Mm.w.d`.
    MonthWeekDay(i64, i64, i64),
}

struct RuleText<'a> {
    s: &'a [u8],
    pos: usize,
}

impl RuleText<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn name(&mut self) -> Option<()> {
        if self.eat(b'<') {
            while self.peek()? != b'>' {
                self.pos += 1;
            }
            self.pos += 1;
            return Some(());
        }
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            self.pos += 1;
        }
        (self.pos - start >= 3).then_some(())
    }
    fn number(&mut self) -> Option<i64> {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        std::str::from_utf8(self.s.get(start..self.pos)?).ok()?.parse().ok()
    }
    /// `[+-]hh[:mm[:ss]]` in seconds.
    fn hms(&mut self) -> Option<i64> {
        let sign = if self.eat(b'-') {
            -1
        } else {
            self.eat(b'+');
            1
        };
        let mut total = self.number()? * 3600;
        if self.eat(b':') {
            total += self.number()? * 60;
            if self.eat(b':') {
                total += self.number()?;
            }
        }
        Some(sign * total)
    }
    fn date(&mut self) -> Option<(RuleDate, i32)> {
        let date = if self.eat(b'M') {
            let m = self.number()?;
            self.eat(b'.').then_some(())?;
            let w = self.number()?;
            self.eat(b'.').then_some(())?;
            let d = self.number()?;
            RuleDate::MonthWeekDay(m, w, d)
        } else if self.eat(b'J') {
            RuleDate::Julian(self.number()?)
        } else {
            RuleDate::Zero(self.number()?)
        };
        let time = if self.eat(b'/') { self.hms()? } else { 7200 };
        Some((date, i32::try_from(time).ok()?))
    }
}

impl PosixRule {
    fn parse(text: &str) -> Option<PosixRule> {
        let mut t = RuleText { s: text.as_bytes(), pos: 0 };
        t.name()?;
        let std_offset = -i32::try_from(t.hms()?).ok()?;
        if t.peek().is_none() {
            return Some(PosixRule { std_offset, dst: None });
        }
        t.name()?;
        let dst_offset =
            if matches!(t.peek(), Some(b',') | None) { std_offset + 3600 } else { -i32::try_from(t.hms()?).ok()? };
        t.eat(b',').then_some(())?;
        let (start, start_time) = t.date()?;
        t.eat(b',').then_some(())?;
        let (end, end_time) = t.date()?;
        Some(PosixRule { std_offset, dst: Some((dst_offset, start, start_time, end, end_time)) })
    }

    fn offset_at(&self, utc_seconds: i64) -> i32 {
        let Some((dst_offset, start, start_time, end, end_time)) = self.dst else {
            return self.std_offset;
        };
        let local_days = (utc_seconds + i64::from(self.std_offset)).div_euclid(SECONDS_PER_DAY);
        let (year, _, _) = civil_from_days(local_days);
        let begins = rule_day(year, start) * SECONDS_PER_DAY + i64::from(start_time) - i64::from(self.std_offset);
        let ends = rule_day(year, end) * SECONDS_PER_DAY + i64::from(end_time) - i64::from(dst_offset);
        let in_dst = if begins < ends {
            utc_seconds >= begins && utc_seconds < ends
        } else {
            utc_seconds >= begins || utc_seconds < ends
        };
        if in_dst {
            dst_offset
        } else {
            self.std_offset
        }
    }
}

fn rule_day(year: i64, date: RuleDate) -> i64 {
    let jan1 = days_from_civil(year, 1, 1);
    match date {
        RuleDate::Julian(n) => {
            let leap_shift = i64::from(super::calendar::is_leap(year) && n >= 60);
            jan1 + n - 1 + leap_shift
        }
        RuleDate::Zero(n) => jan1 + n,
        RuleDate::MonthWeekDay(m, w, d) => {
            let m = m.clamp(1, 12);
            let first = days_from_civil(year, m, 1);
            let first_dow = day_of_week(first) % 7;
            let mut day = first + (d - first_dow).rem_euclid(7) + (w.clamp(1, 5) - 1) * 7;
            let last = first + days_in_month(year, m) - 1;
            while day > last {
                day -= 7;
            }
            day
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+0100"), Some(3600));
        assert_eq!(parse_offset("-01:30"), Some(-5400));
        assert_eq!(parse_offset("-02"), Some(-7200));
        assert_eq!(parse_offset("+00:53:28"), Some(3208));
        assert_eq!(parse_offset("Z"), Some(0));
        assert_eq!(parse_offset("+1900"), None);
        assert_eq!(parse_offset("+01:0"), None);
    }

    #[test]
    fn named_zones_from_tzdata() {
        let stockholm = named_zone("Europe/Stockholm").expect("tzdata installed");
        // 2017-08-08T10:31:14Z is summer time (+02:00): Temporal6 [7].
        let summer = days_from_civil(2017, 8, 8) * SECONDS_PER_DAY + 10 * 3600;
        assert_eq!(stockholm.offset_at(summer), 7200);
        let winter = days_from_civil(2017, 1, 8) * SECONDS_PER_DAY;
        assert_eq!(stockholm.offset_at(winter), 3600);
        // Far beyond the table: the footer rule.
        let far = days_from_civil(2300, 7, 1) * SECONDS_PER_DAY;
        assert_eq!(stockholm.offset_at(far), 7200);
        // Berlin's local mean time is +00:53:28 (what Temporal2 [6] expects for Stockholm in
        // 1818, from a tz database where Stockholm links to Berlin; Debian keeps Stockholm's own
        // history, +01:12:12).
        let old = days_from_civil(1818, 7, 21) * SECONDS_PER_DAY;
        assert_eq!(named_zone("Europe/Berlin").expect("tzdata installed").offset_for_local(old), 3208);
        assert!(named_zone("../etc/passwd").is_err());
        assert_eq!(named_zone("Nowhere/Atlantis").err().map(|e| e.kind), Some(crate::ErrorKind::NotSupported));
    }

    #[test]
    fn gap_and_overlap() {
        let ny = named_zone("America/New_York").expect("tzdata installed");
        // 2017-03-12 02:30 does not exist in New York; the offset before the gap is used.
        let gap = days_from_civil(2017, 3, 12) * SECONDS_PER_DAY + 2 * 3600 + 1800;
        assert_eq!(ny.offset_for_local(gap), -5 * 3600);
        // 2017-11-05 01:30 happens twice; the earlier (daylight) offset wins.
        let overlap = days_from_civil(2017, 11, 5) * SECONDS_PER_DAY + 3600 + 1800;
        assert_eq!(ny.offset_for_local(overlap), -4 * 3600);
    }
}
