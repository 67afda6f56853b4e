//! IANA time zones for the DATE_* functions, read from the system's compiled tz
//! database (`/usr/share/zoneinfo`, TZif version 2 or later; the 64-bit section). A
//! small bounded reader: names are checked before they touch the file system, files
//! are capped in size, every count is checked against the bytes that remain, and
//! parsed zones are cached. Instants after the last listed transition follow the POSIX
//! rule in the file's footer ([`super::posix`]).

use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

const ZONEINFO: &str = "/usr/share/zoneinfo";
const MAX_FILE: u64 = 1 << 20;
const MAX_CACHED: usize = 128;

#[derive(Debug, Clone)]
pub struct LocalType {
    /// Seconds east of UTC.
    pub offset: i64,
    pub dst: bool,
    pub abbr: String,
}

#[derive(Debug)]
pub struct Zone {
    /// The footer's rule for instants after the last transition.
    rule: Option<super::posix::Rule>,
    /// Transition instants, seconds since the epoch, ascending.
    transitions: Vec<i64>,
    /// For every transition, the index of the type that starts there.
    type_at: Vec<usize>,
    types: Vec<LocalType>,
}

/// The period of one zone an instant lies in, for DATE_UTCTOLOCAL's zoneInfo.
pub struct Period<'a> {
    pub local: &'a LocalType,
    /// Seconds since the epoch; None before the first / after the last transition.
    pub begin: Option<i64>,
    pub end: Option<i64>,
}

impl Zone {
    fn utc() -> Zone {
        Zone {
            rule: None,
            transitions: Vec::new(),
            type_at: Vec::new(),
            types: vec![LocalType { offset: 0, dst: false, abbr: "UTC".into() }],
        }
    }

    fn initial(&self) -> usize {
        self.types.iter().position(|t| !t.dst).unwrap_or(0)
    }

    /// The period containing the instant `secs` (UTC seconds).
    pub fn period(&self, secs: i64) -> Period<'_> {
        let fallback = &self.types[self.initial()];
        let n = self.transitions.partition_point(|&t| t <= secs);
        let last = self.transitions.last().copied();
        if let Some(rule) = self.rule.as_ref().filter(|_| n == self.transitions.len()) {
            let (local, begin, end) = rule.at(secs);
            let begin = match (begin, last) {
                (Some(b), Some(l)) => Some(b.max(l)),
                (b, l) => b.or(l),
            };
            return Period { local, begin, end };
        }
        if n == 0 {
            return Period { local: fallback, begin: None, end: self.transitions.first().copied() };
        }
        let local = self.type_at.get(n - 1).and_then(|&i| self.types.get(i)).unwrap_or(fallback);
        Period { local, begin: self.transitions.get(n - 1).copied(), end: self.transitions.get(n).copied() }
    }

    /// Offset (ms) from UTC to wall time at the UTC instant `ms`.
    pub fn offset_ms(&self, ms: i64) -> i64 {
        self.period(ms.div_euclid(1000)).local.offset * 1000
    }

    /// The UTC instant of the wall time `local_ms`: in an overlap the earlier one, in a
    /// gap the wall time read with the offset before the gap.
    pub fn local_to_utc(&self, local_ms: i64) -> i64 {
        let before = self.offset_ms(local_ms - 86_400_000);
        let after = self.offset_ms(local_ms + 86_400_000);
        let mut best: Option<i64> = None;
        for off in [before, after] {
            let utc = local_ms - off;
            if self.offset_ms(utc) == off {
                best = Some(best.map_or(utc, |b: i64| b.min(utc)));
            }
        }
        best.unwrap_or(local_ms - before)
    }
}

struct Bytes<'a> {
    b: &'a [u8],
}

impl<'a> Bytes<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.b.len() {
            return None;
        }
        let (head, rest) = self.b.split_at(n);
        self.b = rest;
        Some(head)
    }

    fn u32(&mut self) -> Option<usize> {
        let raw: [u8; 4] = self.take(4)?.try_into().ok()?;
        Some(u32::from_be_bytes(raw) as usize)
    }
}

struct Counts {
    isut: usize,
    isstd: usize,
    leap: usize,
    time: usize,
    types: usize,
    chars: usize,
}

fn header(r: &mut Bytes) -> Option<(u8, Counts)> {
    let head = r.take(20)?;
    if head.get(..4)? != b"TZif" {
        return None;
    }
    let version = *head.get(4)?;
    let counts =
        Counts { isut: r.u32()?, isstd: r.u32()?, leap: r.u32()?, time: r.u32()?, types: r.u32()?, chars: r.u32()? };
    Some((version, counts))
}

fn skip_block(r: &mut Bytes, c: &Counts, time_size: usize) -> Option<()> {
    let total = c.time * time_size + c.time + c.types * 6 + c.chars + c.leap * (time_size + 4) + c.isstd + c.isut;
    r.take(total).map(|_| ())
}

pub fn parse_tzif(data: &[u8]) -> Option<Zone> {
    let mut r = Bytes { b: data };
    let (version, v1) = header(&mut r)?;
    let (counts, time_size) = if version >= b'2' {
        skip_block(&mut r, &v1, 4)?;
        (header(&mut r)?.1, 8)
    } else {
        (v1, 4)
    };
    if counts.types == 0 {
        return None;
    }
    let times = r.take(counts.time.checked_mul(time_size)?)?;
    let transitions: Vec<i64> = times
        .chunks_exact(time_size)
        .map(|c| match c.try_into() {
            Ok(eight) => i64::from_be_bytes(eight),
            Err(_) => c.try_into().map(|four: [u8; 4]| i64::from(i32::from_be_bytes(four))).unwrap_or(0),
        })
        .collect();
    let type_at: Vec<usize> = r.take(counts.time)?.iter().map(|&i| usize::from(i)).collect();
    let raw_types = r.take(counts.types.checked_mul(6)?)?;
    let chars = r.take(counts.chars)?;
    let mut types = Vec::with_capacity(counts.types);
    for t in raw_types.chunks_exact(6) {
        let offset = i64::from(i32::from_be_bytes([t[0], t[1], t[2], t[3]]));
        let start = usize::from(t[5]);
        let abbr = chars.get(start..).unwrap_or(&[]);
        let end = abbr.iter().position(|&b| b == 0).unwrap_or(abbr.len());
        types.push(LocalType { offset, dst: t[4] != 0, abbr: String::from_utf8_lossy(&abbr[..end]).into_owned() });
    }
    if type_at.iter().any(|&i| i >= types.len()) {
        return None;
    }
    let rule = if version >= b'2' {
        r.take(counts.leap.checked_mul(time_size + 4)?.checked_add(counts.isstd)?.checked_add(counts.isut)?)?;
        let footer = String::from_utf8_lossy(r.b);
        footer.strip_prefix('\n').and_then(|f| f.split('\n').next()).and_then(super::posix::parse)
    } else {
        None
    };
    Some(Zone { rule, transitions, type_at, types })
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('/')
        && !name.split('/').any(|part| part.is_empty() || part == "." || part == "..")
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_-+".contains(&b))
}

fn cache() -> &'static Mutex<HashMap<String, Arc<Zone>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Zone>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

fn read_zone(name: &str) -> Option<Zone> {
    use std::io::Read;
    let file = std::fs::File::open(std::path::Path::new(ZONEINFO).join(name)).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut data = Vec::new();
    file.take(MAX_FILE).read_to_end(&mut data).ok()?;
    parse_tzif(&data)
}

/// The zone `name` (an IANA name such as "Europe/Berlin"; "UTC" always exists), None
/// for an unknown or malformed name.
pub fn zone(name: &str) -> Option<Arc<Zone>> {
    if name == "UTC" || name == "Etc/UTC" || name == "Z" {
        static UTC: OnceLock<Arc<Zone>> = OnceLock::new();
        return Some(UTC.get_or_init(|| Arc::new(Zone::utc())).clone());
    }
    if !valid_name(name) {
        return None;
    }
    if let Some(z) = cache().lock().get(name) {
        return Some(z.clone());
    }
    let z = Arc::new(read_zone(name)?);
    let mut cached = cache().lock();
    if cached.len() >= MAX_CACHED {
        cached.clear();
    }
    cached.insert(name.to_string(), z.clone());
    Some(z)
}

/// Every zone and link name of the system's tz database (`tzdata.zi`), sorted.
pub fn zone_names() -> Vec<String> {
    let text = std::fs::read_to_string(std::path::Path::new(ZONEINFO).join("tzdata.zi")).unwrap_or_default();
    let mut names: Vec<String> = text
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            match words.next()? {
                "Z" => words.next(),
                "L" => words.nth(1),
                _ => None,
            }
        })
        .map(str::to_string)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The version of the system's tz database ("2025b"), as DATE_UTCTOLOCAL reports it.
pub fn tzdb_version() -> String {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION
        .get_or_init(|| {
            std::fs::read_to_string(std::path::Path::new(ZONEINFO).join("tzdata.zi"))
                .ok()
                .and_then(|t| t.lines().next().and_then(|l| l.strip_prefix("# version ")).map(|v| v.trim().to_string()))
                .unwrap_or_else(|| "unknown".into())
        })
        .clone()
}
