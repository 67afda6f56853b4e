//! The proleptic Gregorian calendar under AQL's dates: milliseconds since the Unix
//! epoch to and from calendar fields, the ISO 8601 strings AQL accepts (date, optional
//! time with fraction, `Z` or an offset) and the one it prints
//! (`YYYY-MM-DDTHH:MM:SS.sssZ`), bounded to years 0..9999 as ArangoDB is.

pub const MS_PER_DAY: i64 = 86_400_000;
/// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z.
pub const MIN_MS: i64 = -62_167_219_200_000;
pub const MAX_MS: i64 = 253_402_300_799_999;

/// Calendar fields of one instant (in UTC or in a zone's wall time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub milli: u32,
}

/// Days since 1970-01-01 of a date (months 1-12).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

pub fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Civil {
    pub fn from_ms(ms: i64) -> Civil {
        let days = ms.div_euclid(MS_PER_DAY);
        let rest = ms.rem_euclid(MS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: (rest / 3_600_000) as u32,
            minute: (rest / 60_000 % 60) as u32,
            second: (rest / 1000 % 60) as u32,
            milli: (rest % 1000) as u32,
        }
    }

    pub fn to_ms(self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * MS_PER_DAY
            + i64::from(self.hour) * 3_600_000
            + i64::from(self.minute) * 60_000
            + i64::from(self.second) * 1000
            + i64::from(self.milli)
    }

    pub fn days(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }

    /// 0 = Sunday.
    pub fn weekday(&self) -> u32 {
        (self.days() + 4).rem_euclid(7) as u32
    }

    pub fn day_of_year(&self) -> u32 {
        (self.days() - days_from_civil(self.year, 1, 1) + 1) as u32
    }

    /// (ISO week, ISO week-numbering year).
    pub fn iso_week(&self) -> (u32, i64) {
        let iso_weekday = (self.weekday() + 6) % 7;
        let thursday = self.days() - i64::from(iso_weekday) + 3;
        let (y, _, _) = civil_from_days(thursday);
        let week = (thursday - days_from_civil(y, 1, 1)) / 7 + 1;
        (week as u32, y)
    }
}

fn year_text(y: i64) -> String {
    if (0..=9999).contains(&y) {
        format!("{y:04}")
    } else if y < 0 {
        format!("-{:06}", -y)
    } else {
        format!("+{y:06}")
    }
}

/// `YYYY-MM-DDTHH:MM:SS.sss` (no zone designator).
pub fn format_local(c: &Civil) -> String {
    format!(
        "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}",
        year_text(c.year),
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
        c.milli
    )
}

/// AQL's ISO 8601 form of an instant, in UTC.
pub fn format_iso(ms: i64) -> String {
    format!("{}Z", format_local(&Civil::from_ms(ms)))
}

struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// A run of digits: (value, digit count); the value saturates.
    fn number(&mut self) -> (i64, usize) {
        let start = self.at;
        let mut n = 0i64;
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            n = n.saturating_mul(10).saturating_add(i64::from(d - b'0'));
            self.at += 1;
        }
        (n, self.at - start)
    }

    /// One or two digits no greater than `max` (and at least `min`).
    fn field(&mut self, min: i64, max: i64) -> Option<i64> {
        let (n, len) = self.number();
        ((1..=2).contains(&len) && (min..=max).contains(&n)).then_some(n)
    }

    fn done(&self) -> bool {
        self.at >= self.s.len()
    }
}

/// The UTC milliseconds of a date string as ArangoDB reads one: surrounding
/// whitespace ignored, a leading `+` allowed, the year as digits up to 9999, then
/// optionally `-M[M]` and `-D[D]` (a day up to 31, a day past the month's end running
/// into the next month), then optionally `T` or a space and `H[H]:M[M][:S[S][.fff]]`,
/// then optionally `Z` or `±HH:MM`. None for anything else.
pub fn parse_iso(text: &str) -> Option<i64> {
    let t = text.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
    let t = t.strip_prefix('+').unwrap_or(t);
    let mut c = Cursor { s: t.as_bytes(), at: 0 };
    let (year, digits) = c.number();
    if digits == 0 || year > 9999 {
        return None;
    }
    let (mut month, mut day) = (1, 1);
    if c.eat(b'-') {
        month = c.field(1, 12)?;
        if c.eat(b'-') {
            day = c.field(1, 31)?;
        }
    }
    let mut time = 0i64;
    if c.eat(b'T') || c.eat(b' ') {
        let hour = c.field(0, 23)?;
        if !c.eat(b':') {
            return None;
        }
        let minute = c.field(0, 59)?;
        let (mut second, mut milli) = (0, 0);
        if c.eat(b':') {
            second = c.field(0, 59)?;
            if c.eat(b'.') {
                let start = c.at;
                let (_, len) = c.number();
                if len == 0 {
                    return None;
                }
                let digits = c.s.get(start..start + len.min(3)).unwrap_or(&[]);
                let scaled = digits.iter().fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'));
                milli = scaled * [100, 10, 1][digits.len().clamp(1, 3) - 1];
            }
        }
        time = ((hour * 60 + minute) * 60 + second) * 1000 + milli;
    }
    let mut offset = 0i64;
    let zulu = c.eat(b'Z') || c.eat(b'z');
    if let Some(sign @ (b'+' | b'-')) = c.peek().filter(|_| !zulu) {
        c.at += 1;
        let hours = c.field(0, 23)?;
        if !c.eat(b':') {
            return None;
        }
        let minutes = c.field(0, 59)?;
        offset = (hours * 60 + minutes) * 60_000 * if sign == b'-' { -1 } else { 1 };
    }
    if !c.done() {
        return None;
    }
    let ms = days_from_civil(year, month as u32, day as u32) * MS_PER_DAY + time - offset;
    (MIN_MS..=MAX_MS).contains(&ms).then_some(ms)
}
