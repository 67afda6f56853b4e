//! AQL's numeric functions: rounding, powers and logarithms, trigonometry, RAND and
//! RANGE, the statistics over an array (SUM, AVERAGE, MEDIAN, PERCENTILE, VARIANCE_*,
//! STDDEV_*, MIN/MAX, PRODUCT), the vector distances, the DECAY_* scores and the 32-bit
//! BIT_* family. Scalar arguments go through TO_NUMBER; a result that is NaN or
//! infinite is null.

use super::{def, Args, Def};
use crate::error::{num, AqlError, AqlResult};
use crate::value::{cast, compare::compare, Value};
use ring::rand::{SecureRandom, SystemRandom};

pub(super) const DEFS: &[Def] = &[
    def("ABS", 1, 1, abs),
    def("CEIL", 1, 1, ceil),
    def("FLOOR", 1, 1, floor),
    def("ROUND", 1, 1, round),
    def("SQRT", 1, 1, |a| unary(a, f64::sqrt)),
    def("POW", 2, 2, |a| Ok(Value::double(a.f64(0).powf(a.f64(1))))),
    def("LOG", 1, 1, |a| unary(a, f64::ln)),
    def("LOG2", 1, 1, |a| unary(a, f64::log2)),
    def("LOG10", 1, 1, |a| unary(a, f64::log10)),
    def("EXP", 1, 1, |a| unary(a, f64::exp)),
    def("EXP2", 1, 1, |a| unary(a, f64::exp2)),
    def("SIN", 1, 1, |a| unary(a, f64::sin)),
    def("COS", 1, 1, |a| unary(a, f64::cos)),
    def("TAN", 1, 1, |a| unary(a, f64::tan)),
    def("ASIN", 1, 1, |a| unary(a, f64::asin)),
    def("ACOS", 1, 1, |a| unary(a, f64::acos)),
    def("ATAN", 1, 1, |a| unary(a, f64::atan)),
    def("ATAN2", 2, 2, |a| Ok(Value::double(a.f64(0).atan2(a.f64(1))))),
    def("DEGREES", 1, 1, |a| unary(a, f64::to_degrees)),
    def("RADIANS", 1, 1, |a| unary(a, f64::to_radians)),
    def("PI", 0, 0, |_| Ok(Value::Double(std::f64::consts::PI))),
    def("RAND", 0, 0, rand),
    def("RANGE", 2, 3, range),
    def("SUM", 1, 1, sum),
    def("PRODUCT", 1, 1, product),
    def("AVERAGE", 1, 1, average),
    def("AVG", 1, 1, average),
    def("MEDIAN", 1, 1, median),
    def("PERCENTILE", 2, 3, percentile),
    def("VARIANCE_POPULATION", 1, 1, |a| stat(a, |s| s.variance(false))),
    def("VARIANCE", 1, 1, |a| stat(a, |s| s.variance(false))),
    def("VARIANCE_SAMPLE", 1, 1, |a| stat(a, |s| s.variance(true))),
    def("STDDEV_POPULATION", 1, 1, |a| stat(a, |s| s.variance(false).map(f64::sqrt))),
    def("STDDEV", 1, 1, |a| stat(a, |s| s.variance(false).map(f64::sqrt))),
    def("STDDEV_SAMPLE", 1, 1, |a| stat(a, |s| s.variance(true).map(f64::sqrt))),
    def("MIN", 1, 1, |a| extreme(a, std::cmp::Ordering::Less)),
    def("MAX", 1, 1, |a| extreme(a, std::cmp::Ordering::Greater)),
    def("COSINE_SIMILARITY", 2, 2, |a| vectors(a, cosine)),
    def("L1_DISTANCE", 2, 2, |a| vectors(a, |x, y| Some(x.iter().zip(y).map(|(p, q)| (p - q).abs()).sum()))),
    def("L2_DISTANCE", 2, 2, |a| {
        vectors(a, |x, y| Some(x.iter().zip(y).map(|(p, q)| (p - q) * (p - q)).sum::<f64>().sqrt()))
    }),
    def("DECAY_GAUSS", 5, 5, |a| decay(a, Decay::Gauss)),
    def("DECAY_EXP", 5, 5, |a| decay(a, Decay::Exp)),
    def("DECAY_LINEAR", 5, 5, |a| decay(a, Decay::Linear)),
];

fn unary(args: &mut Args, f: fn(f64) -> f64) -> AqlResult<Value> {
    Ok(Value::double(f(args.f64(0))))
}

fn integral(args: &mut Args, f: fn(f64) -> f64) -> AqlResult<Value> {
    match cast::to_number(args.get(0)) {
        Value::Int(i) => Ok(Value::Int(i)),
        other => Ok(Value::double(f(other.as_f64().unwrap_or(0.0)))),
    }
}

fn abs(args: &mut Args) -> AqlResult<Value> {
    match cast::to_number(args.get(0)) {
        Value::Int(i) => Ok(i.checked_abs().map(Value::Int).unwrap_or(Value::Double((i as f64).abs()))),
        other => Ok(Value::double(other.as_f64().unwrap_or(0.0).abs())),
    }
}

fn ceil(args: &mut Args) -> AqlResult<Value> {
    integral(args, f64::ceil)
}

fn floor(args: &mut Args) -> AqlResult<Value> {
    integral(args, f64::floor)
}

fn round(args: &mut Args) -> AqlResult<Value> {
    integral(args, |x| (x + 0.5).floor())
}

/// A uniformly distributed double in [0, 1).
pub(super) fn random_unit() -> AqlResult<f64> {
    let mut b = [0u8; 8];
    SystemRandom::new().fill(&mut b).map_err(|_| AqlError::internal("no system randomness"))?;
    Ok((u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64)
}

fn rand(_: &mut Args) -> AqlResult<Value> {
    Ok(Value::Double(random_unit()?))
}

/// Most elements RANGE() builds.
const MAX_RANGE: f64 = 10_000_000.0;

fn range_error(what: f64) -> AqlError {
    AqlError::new(num::QUERY_NUMBER_OUT_OF_RANGE, format!("RANGE() would build {what} elements, more than {MAX_RANGE}"))
}

fn range(args: &mut Args) -> AqlResult<Value> {
    if args.get(2).is_null() {
        let (from, to) = (args.int(0), args.int(1));
        let count = (i128::from(to) - i128::from(from)).abs() + 1;
        if count as f64 > MAX_RANGE {
            return Err(range_error(count as f64));
        }
        let out: Vec<Value> = if from <= to {
            (from..=to).map(Value::Int).collect()
        } else {
            (to..=from).rev().map(Value::Int).collect()
        };
        return Ok(Value::Array(out));
    }
    let (from, to, step) = (args.f64(0), args.f64(1), args.f64(2));
    if step == 0.0 || (from < to && step < 0.0) || (from > to && step > 0.0) {
        return Ok(args.type_error());
    }
    let count = ((to - from) / step).floor() + 1.0;
    if !count.is_finite() || count > MAX_RANGE {
        return Err(range_error(count));
    }
    let mut out = Vec::with_capacity(count.max(0.0) as usize);
    let mut x = from;
    while ((step > 0.0 && x <= to) || (step < 0.0 && x >= to)) && (out.len() as f64) < count {
        out.push(if x.fract() == 0.0 && x.abs() < 9e15 { Value::Int(x as i64) } else { Value::double(x) });
        x += step;
    }
    Ok(Value::Array(out))
}

/// What a statistics function does with a non-numeric element: answer null silently
/// (SUM, PRODUCT) or with a warning of this number.
#[derive(Clone, Copy)]
enum OnNonNumber {
    Silent,
    Warn(u32),
}

/// The numbers of the array argument (nulls skipped); a non-array warns 1563 "array
/// expected", a non-numeric element answers null as `on_bad` says.
fn with_numbers(args: &mut Args, on_bad: OnNonNumber, f: impl FnOnce(Vec<f64>) -> Value) -> AqlResult<Value> {
    let Value::Array(items) = args.get(0) else { return Ok(args.array_expected()) };
    let mut xs = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::Null => {}
            Value::Int(i) => xs.push(*i as f64),
            Value::Double(d) => xs.push(*d),
            _ => {
                if let OnNonNumber::Warn(code) = on_bad {
                    let message = format!("invalid argument in call to function '{}()'", args.name());
                    args.warn(code, message);
                }
                return Ok(Value::Null);
            }
        }
    }
    Ok(f(xs))
}

const ARITHMETIC: OnNonNumber = OnNonNumber::Warn(num::QUERY_INVALID_ARITHMETIC_VALUE);

fn sum(args: &mut Args) -> AqlResult<Value> {
    if let Value::Array(items) = args.get(0) {
        let exact = items.iter().try_fold(0i64, |acc, v| match v {
            Value::Int(i) => acc.checked_add(*i),
            Value::Null => Some(acc),
            _ => None,
        });
        if let Some(total) = exact {
            return Ok(Value::Int(total));
        }
    }
    with_numbers(args, OnNonNumber::Silent, |xs| Value::double(xs.iter().sum()))
}

fn product(args: &mut Args) -> AqlResult<Value> {
    with_numbers(args, OnNonNumber::Silent, |xs| Value::double(xs.iter().product()))
}

fn average(args: &mut Args) -> AqlResult<Value> {
    with_numbers(args, OnNonNumber::Warn(num::QUERY_ARRAY_EXPECTED), |xs| {
        if xs.is_empty() {
            Value::Null
        } else {
            Value::double(xs.iter().sum::<f64>() / xs.len() as f64)
        }
    })
}

fn sorted(mut xs: Vec<f64>) -> Vec<f64> {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    xs
}

fn median(args: &mut Args) -> AqlResult<Value> {
    with_numbers(args, ARITHMETIC, |xs| {
        let xs = sorted(xs);
        let n = xs.len();
        match (xs.get(n / 2), n.checked_sub(1).and_then(|_| xs.get((n - 1) / 2))) {
            (Some(hi), Some(lo)) if n.is_multiple_of(2) => Value::double((hi + lo) / 2.0),
            (Some(mid), _) => Value::double(*mid),
            _ => Value::Null,
        }
    })
}

fn percentile(args: &mut Args) -> AqlResult<Value> {
    if !matches!(args.get(0), Value::Array(_)) {
        return Ok(args.array_expected());
    }
    let Some(p) = args.get(1).as_f64().filter(|p| *p > 0.0 && *p <= 100.0) else { return Ok(args.type_error()) };
    let interpolate = match args.get(2) {
        Value::Null if !args.has(2) => false,
        Value::String(m) if m == "rank" => false,
        Value::String(m) if m == "interpolation" => true,
        _ => return Ok(args.type_error()),
    };
    with_numbers(args, ARITHMETIC, |xs| {
        let xs = sorted(xs);
        let n = xs.len();
        let at = |pos: f64| xs.get(pos as usize).copied();
        let picked = match n {
            0 => None,
            1 => xs.first().copied(),
            _ if interpolate => {
                let idx = p * (n as f64 + 1.0) / 100.0;
                let pos = idx.floor();
                if pos >= n as f64 {
                    xs.last().copied()
                } else if pos <= 0.0 {
                    None
                } else {
                    at(pos - 1.0).zip(at(pos)).map(|(lo, hi)| (idx - pos) * (hi - lo) + lo)
                }
            }
            _ => {
                let pos = (p * n as f64 / 100.0).ceil();
                if pos >= n as f64 {
                    xs.last().copied()
                } else if pos <= 0.0 {
                    None
                } else {
                    at(pos - 1.0)
                }
            }
        };
        picked.map(Value::double).unwrap_or(Value::Null)
    })
}

/// Running mean and sum of squared deviations (Welford), shared with the aggregates.
#[derive(Debug, Default, Clone)]
pub(super) struct Moments {
    pub n: u64,
    mean: f64,
    m2: f64,
}

impl Moments {
    pub fn add(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    pub fn variance(&self, sample: bool) -> Option<f64> {
        let denominator = if sample { self.n.checked_sub(1)? } else { self.n };
        if denominator == 0 {
            return None;
        }
        Some(self.m2 / denominator as f64)
    }
}

fn stat(args: &mut Args, f: fn(&Moments) -> Option<f64>) -> AqlResult<Value> {
    with_numbers(args, ARITHMETIC, |xs| {
        let mut m = Moments::default();
        xs.iter().for_each(|&x| m.add(x));
        f(&m).map(Value::double).unwrap_or(Value::Null)
    })
}

fn extreme(args: &mut Args, want: std::cmp::Ordering) -> AqlResult<Value> {
    let Value::Array(items) = args.get(0) else { return Ok(args.array_expected()) };
    let best = items.iter().filter(|v| !v.is_null()).fold(None::<&Value>, |best, v| match best {
        Some(b) if compare(v, b) != want => Some(b),
        _ => Some(v),
    });
    Ok(best.cloned().unwrap_or(Value::Null))
}

fn vector(v: &Value) -> Option<Vec<f64>> {
    v.as_array()?.iter().map(Value::as_f64).collect()
}

fn cosine(x: &[f64], y: &[f64]) -> Option<f64> {
    let dot: f64 = x.iter().zip(y).map(|(p, q)| p * q).sum();
    let nx = x.iter().map(|p| p * p).sum::<f64>().sqrt();
    let ny = y.iter().map(|q| q * q).sum::<f64>().sqrt();
    if nx == 0.0 || ny == 0.0 {
        return None;
    }
    Some(dot / (nx * ny))
}

/// A distance of two vectors, or of every vector of an array of vectors to one vector.
fn vectors(args: &mut Args, f: fn(&[f64], &[f64]) -> Option<f64>) -> AqlResult<Value> {
    let Some(y) = vector(args.get(1)) else { return Ok(args.type_error()) };
    let one = |x: &[f64]| if x.len() == y.len() && !x.is_empty() { f(x, &y).map(Value::double) } else { None };
    let result = match args.get(0) {
        Value::Array(items) if items.iter().all(|i| matches!(i, Value::Array(_))) && !items.is_empty() => {
            items.iter().map(|i| vector(i).and_then(|x| one(&x))).collect::<Option<Vec<_>>>().map(Value::Array)
        }
        other => vector(other).and_then(|x| one(&x)),
    };
    Ok(result.unwrap_or_else(|| args.type_error()))
}

#[derive(Clone, Copy)]
enum Decay {
    Gauss,
    Exp,
    Linear,
}

fn decay(args: &mut Args, kind: Decay) -> AqlResult<Value> {
    let (origin, scale, offset, decay) = (args.get(1), args.get(2), args.get(3), args.get(4));
    let (Some(origin), Some(scale), Some(offset), Some(decay)) =
        (origin.as_f64(), scale.as_f64(), offset.as_f64(), decay.as_f64())
    else {
        return Ok(args.type_error());
    };
    if scale <= 0.0 || offset < 0.0 || decay <= 0.0 || decay >= 1.0 {
        return Ok(args.range_error());
    }
    let score = |v: f64| {
        let d = ((v - origin).abs() - offset).max(0.0);
        match kind {
            Decay::Gauss => {
                let sigma2 = -(scale * scale) / (2.0 * decay.ln());
                (-(d * d) / (2.0 * sigma2)).exp()
            }
            Decay::Exp => (decay.ln() / scale * d).exp(),
            Decay::Linear => {
                let s = scale / (1.0 - decay);
                ((s - d) / s).max(0.0)
            }
        }
    };
    match args.get(0) {
        Value::Array(items) => {
            let out: Option<Vec<Value>> = items.iter().map(|v| v.as_f64().map(|x| Value::double(score(x)))).collect();
            Ok(out.map(Value::Array).unwrap_or_else(|| args.type_error()))
        }
        v => match v.as_f64() {
            Some(x) => Ok(Value::double(score(x))),
            None => Ok(args.type_error()),
        },
    }
}
