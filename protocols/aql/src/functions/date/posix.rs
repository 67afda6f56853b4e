//! The POSIX TZ rule a TZif file ends with (RFC 8536 §3.3, e.g.
//! `CET-1CEST,M3.5.0,M10.5.0/3`): the zone's offsets and daylight-saving switches for
//! every instant after the file's last listed transition. Parsing is bounded by the
//! rule's length; anything unexpected yields no rule (the last listed offset stays).

use super::civil::{civil_from_days, days_from_civil, is_leap};
use super::tz::LocalType;

/// The day a switch happens on, in a given year.
#[derive(Debug, Clone, Copy)]
enum Day {
    /// `Mm.w.d`: day `d` (0 = Sunday) of week `w` (5 = the last) of month `m`.
    MonthWeek(u32, u32, u32),
    /// `Jn`: day 1..=365, February 29th never counted.
    Julian(u32),
    /// `n`: day 0..=365, counting February 29th.
    Zero(u32),
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub std: LocalType,
    /// Daylight-saving time: its type and the local times (seconds into the day) of the
    /// switch to it and back.
    dst: Option<(LocalType, Day, i64, Day, i64)>,
}

struct P<'a> {
    s: &'a [u8],
    at: usize,
}

impl P<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.at += 1;
        }
        hit
    }

    fn name(&mut self) -> Option<String> {
        let start = self.at;
        if self.eat(b'<') {
            while self.peek().is_some_and(|b| b != b'>') {
                self.at += 1;
            }
            let name = String::from_utf8_lossy(self.s.get(start + 1..self.at)?).into_owned();
            return self.eat(b'>').then_some(name);
        }
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            self.at += 1;
        }
        (self.at - start >= 3).then(|| String::from_utf8_lossy(&self.s[start..self.at]).into_owned())
    }

    fn number(&mut self) -> Option<i64> {
        let start = self.at;
        let mut n = 0i64;
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            n = n.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
            self.at += 1;
        }
        (self.at > start && self.at - start <= 3).then_some(n)
    }

    /// `[+-]hh[:mm[:ss]]` in seconds.
    fn time(&mut self) -> Option<i64> {
        let sign = if self.eat(b'-') {
            -1
        } else {
            self.eat(b'+');
            1
        };
        let mut secs = self.number()? * 3600;
        if self.eat(b':') {
            secs += self.number()? * 60;
            if self.eat(b':') {
                secs += self.number()?;
            }
        }
        Some(sign * secs)
    }

    fn day(&mut self) -> Option<Day> {
        if self.eat(b'M') {
            let m = self.number()?;
            self.eat(b'.').then_some(())?;
            let w = self.number()?;
            self.eat(b'.').then_some(())?;
            let d = self.number()?;
            let valid = (1..=12).contains(&m) && (1..=5).contains(&w) && (0..=6).contains(&d);
            return valid.then_some(Day::MonthWeek(m as u32, w as u32, d as u32));
        }
        if self.eat(b'J') {
            return self.number().filter(|n| (1..=365).contains(n)).map(|n| Day::Julian(n as u32));
        }
        self.number().filter(|n| (0..=365).contains(n)).map(|n| Day::Zero(n as u32))
    }

    fn switch(&mut self) -> Option<(Day, i64)> {
        let day = self.day()?;
        let time = if self.eat(b'/') { self.time()? } else { 7200 };
        Some((day, time))
    }
}

/// Parses a TZ rule; None for an empty or malformed one.
pub fn parse(text: &str) -> Option<Rule> {
    if text.is_empty() || text.len() > 128 {
        return None;
    }
    let mut p = P { s: text.as_bytes(), at: 0 };
    let std_abbr = p.name()?;
    let std_offset = -p.time()?;
    let std = LocalType { offset: std_offset, dst: false, abbr: std_abbr };
    if p.peek().is_none() {
        return Some(Rule { std, dst: None });
    }
    let dst_abbr = p.name()?;
    let dst_offset = if matches!(p.peek(), Some(b',') | None) { std_offset + 3600 } else { -p.time()? };
    p.eat(b',').then_some(())?;
    let (start, start_time) = p.switch()?;
    p.eat(b',').then_some(())?;
    let (end, end_time) = p.switch()?;
    if p.peek().is_some() {
        return None;
    }
    let dst = LocalType { offset: dst_offset, dst: true, abbr: dst_abbr };
    Some(Rule { std, dst: Some((dst, start, start_time, end, end_time)) })
}

/// Days since the epoch of `day` in `year`.
fn day_in(year: i64, day: Day) -> i64 {
    match day {
        Day::MonthWeek(m, w, d) => {
            let first = days_from_civil(year, m, 1);
            let first_weekday = (first + 4).rem_euclid(7) as u32;
            let mut date = 1 + (d + 7 - first_weekday) % 7 + (w - 1) * 7;
            let last = super::civil::days_in_month(year, m);
            while date > last {
                date -= 7;
            }
            first + i64::from(date) - 1
        }
        Day::Julian(n) => {
            let n = i64::from(n);
            days_from_civil(year, 1, 1) + n - 1 + i64::from(is_leap(year) && n >= 60)
        }
        Day::Zero(n) => days_from_civil(year, 1, 1) + i64::from(n),
    }
}

impl Rule {
    /// The switches of the years around `secs` (UTC seconds), ascending, each with the
    /// type that starts there.
    fn switches(&self, secs: i64) -> Vec<(i64, &LocalType)> {
        let Some((dst, start, start_time, end, end_time)) = &self.dst else { return Vec::new() };
        let (year, _, _) = civil_from_days(secs.div_euclid(86_400));
        let mut out = Vec::with_capacity(6);
        for y in year - 1..=year + 1 {
            let on = day_in(y, *start) * 86_400 + start_time - self.std.offset;
            let off = day_in(y, *end) * 86_400 + end_time - dst.offset;
            out.push((on, dst));
            out.push((off, &self.std));
        }
        out.sort_by_key(|(t, _)| *t);
        out
    }

    /// The type in force at `secs` with the switch that began it and the next one.
    pub fn at(&self, secs: i64) -> (&LocalType, Option<i64>, Option<i64>) {
        let switches = self.switches(secs);
        if switches.is_empty() {
            return (&self.std, None, None);
        }
        let n = switches.partition_point(|(t, _)| *t <= secs);
        let current = n.checked_sub(1).and_then(|i| switches.get(i));
        let next = switches.get(n).map(|(t, _)| *t);
        match current {
            Some((t, ty)) => (ty, Some(*t), next),
            None => (&self.std, None, next),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn european_and_american_rules() {
        let berlin = parse("CET-1CEST,M3.5.0,M10.5.0/3").expect("rule");
        // 2040-07-01T00:00:00Z is summer time; it began 2040-03-25T01:00:00Z
        let (ty, begin, end) = berlin.at(2_224_713_600);
        assert_eq!((ty.abbr.as_str(), ty.offset, ty.dst), ("CEST", 7200, true));
        assert_eq!(begin, Some(2_216_250_000));
        assert_eq!(end, Some(2_234_998_800), "2040-10-28T01:00:00Z");
        let ny = parse("EST5EDT,M3.2.0,M11.1.0").expect("rule");
        let (ty, _, _) = ny.at(2_209_050_000);
        assert_eq!((ty.abbr.as_str(), ty.offset), ("EST", -18_000), "2040-01-01T17:00:00Z");
        let fixed = parse("<+0545>-5:45").expect("rule");
        assert_eq!(fixed.at(0).0.offset, 20_700);
        assert!(parse("garbage,").is_none());
    }
}
