//! Aggregating functions: one [`Aggregator`] per group and aggregate call, fed the
//! evaluated arguments of each row and finished once. count(expr) and count(*), sum, avg
//! (numbers or durations), min and max (by orderability, nulls ignored), collect (nulls
//! dropped), percentileCont and percentileDisc (the percentile, the second argument, is
//! checked to lie in 0..=1 and taken from the first row), stDev and stDevP. DISTINCT
//! drops rows whose first argument is equivalent (see [`GroupKey`]) to one seen before.

use crate::error::{CypherError, CypherResult, ErrorKind};
use crate::value::compare::{order, GroupKey};
use crate::value::ops;
use crate::value::temporal::arith::{add_durations, divide_duration};
use crate::value::{Duration, Value};
use std::cmp::Ordering;
use std::collections::HashSet;

pub trait Aggregator: Send {
    fn update(&mut self, args: Vec<Value>) -> CypherResult<()>;
    fn finish(self: Box<Self>) -> CypherResult<Value>;
}

const AGGREGATES: &[&str] =
    &["count", "sum", "avg", "min", "max", "collect", "percentilecont", "percentiledisc", "stdev", "stdevp"];

pub fn is_aggregate(name: &str) -> bool {
    AGGREGATES.contains(&name.to_ascii_lowercase().as_str())
}

/// The aggregator for `name(expr)` or `name(DISTINCT expr)`; None when `name` is not an
/// aggregating function.
pub fn new_aggregator(name: &str, distinct: bool) -> Option<Box<dyn Aggregator>> {
    let inner: Box<dyn Aggregator> = match name.to_ascii_lowercase().as_str() {
        "count" => Box::new(Count(0)),
        "sum" => Box::new(Sum::default()),
        "avg" => Box::new(Avg::default()),
        "min" => Box::new(Extreme { best: None, want: Ordering::Less }),
        "max" => Box::new(Extreme { best: None, want: Ordering::Greater }),
        "collect" => Box::new(Collect(Vec::new())),
        "percentilecont" => Box::new(Percentile { values: Vec::new(), percentile: None, continuous: true }),
        "percentiledisc" => Box::new(Percentile { values: Vec::new(), percentile: None, continuous: false }),
        "stdev" => Box::new(StDev { n: 0, mean: 0.0, m2: 0.0, sample: true }),
        "stdevp" => Box::new(StDev { n: 0, mean: 0.0, m2: 0.0, sample: false }),
        _ => return None,
    };
    Some(if distinct { Box::new(Distinct { seen: HashSet::new(), inner }) } else { inner })
}

/// `count(*)`: counts rows, nulls included.
pub fn count_star() -> Box<dyn Aggregator> {
    Box::new(CountStar(0))
}

fn first(args: Vec<Value>) -> Value {
    args.into_iter().next().unwrap_or(Value::Null)
}

struct Distinct {
    seen: HashSet<GroupKey>,
    inner: Box<dyn Aggregator>,
}

impl Aggregator for Distinct {
    fn update(&mut self, args: Vec<Value>) -> CypherResult<()> {
        let key = args.first().cloned().unwrap_or(Value::Null);
        if key.is_null() || self.seen.insert(GroupKey(key)) {
            self.inner.update(args)?;
        }
        Ok(())
    }
    fn finish(self: Box<Self>) -> CypherResult<Value> {
        self.inner.finish()
    }
}

struct CountStar(i64);

impl Aggregator for CountStar {
    fn update(&mut self, _args: Vec<Value>) -> CypherResult<()> {
        self.0 += 1;
        Ok(())
    }
    fn finish(self: Box<Self>) -> CypherResult<Value> {
        Ok(Value::Int(self.0))
    }
}

struct Count(i64);

impl Aggregator for Count {
    fn update(&mut self, args: Vec<Value>) -> CypherResult<()> {
        if !first(args).is_null() {
            self.0 += 1;
        }
        Ok(())
    }
    fn finish(self: Box<Self>) -> CypherResult<Value> {
        Ok(Value::Int(self.0))
    }
}

fn sum_type_error(v: &Value) -> CypherError {
    CypherError::type_error(format!("sum() and avg() need numbers or durations, but got {}", v.type_name()))
}

#[derive(Default)]
struct Sum {
    total: Option<Value>,
}

impl Aggregator for Sum {
    fn update(&mut self, args: Vec<Value>) -> CypherResult<()> {
        let v = first(args);
        match (&v, &self.total) {
            (Value::Null, _) => return Ok(()),
            (Value::Int(_) | Value::Float(_), None | Some(Value::Int(_) | Value::Float(_))) => {}
            (Value::Duration(_), None | Some(Value::Duration(_))) => {}
            _ => return Err(sum_type_error(&v)),
        }
        self.total = Some(match self.total.take() {
            None => v,
            Some(t) => ops::add(&t, &v)?,
        });
        Ok(())
    }
    fn finish(self: Box<Self>) -> CypherResult<Value> {
        Ok(self.total.unwrap_or(Value::Int(0)))
    }
}

#[derive(Default)]
struct Avg {
    count: i64,
    ints: i128,
    floats: f64,
    durations: Option<Duration>,
}

impl Aggregator for Avg {
    fn update(&mut self, args: Vec<Value>) -> CypherResult<()> {
        let v = first(args);
        match (&v, &self.durations) {
            (Value::Null, _) => return Ok(()),
            (Value::Int(i), None) => self.ints += i128::from(*i),
            (Value::Float(f), None) => self.floats += f,
            (Value::Duration(d), Some(total)) => self.durations = Some(add_durations(total, d, 1)?),
            (Value::Duration(d), None) if self.count == 0 => self.durations = Some(*d),
            _ => return Err(sum_type_error(&v)),
        }
        self.count += 1;
        Ok(())
    }
    fn finish(self: Box<Self>) -> CypherResult<Value> {
        if self.count == 0 {
            return Ok(Value::Null);
        }
        if let Some(total) = self.durations {
            return Ok(Value::Duration(divide_duration(&total, &Value::Int(self.count))?));
        }
        Ok(Value::Float((self.ints as f64 + self.floats) / self.count as f64))
    }
}

struct Extreme {
    best: Option<Value>,
    want: Ordering,
}

impl Aggregator for Extreme {
    fn update(&mut self, args: Vec<Value>) -> CypherResult<()> {
        let v = first(args);
        if v.is_null() {
            return Ok(());
        }
        let replace = match &self.best {
            None => true,
            Some(best) => order(&v, best) == self.want,
        };
        if replace {
            self.best = Some(v);
        }
        Ok(())
    }
    fn finish(self: Box<Self>) -> CypherResult<Value> {
        Ok(self.best.unwrap_or(Value::Null))
    }
}

struct Collect(Vec<Value>);

impl Aggregator for Collect {
    fn update(&mut self, args: Vec<Value>) -> CypherResult<()> {
        let v = first(args);
        if !v.is_null() {
            self.0.push(v);
        }
        Ok(())
    }
    fn finish(self: Box<Self>) -> CypherResult<Value> {
        Ok(Value::List(self.0))
    }
}

struct Percentile {
    values: Vec<Value>,
    percentile: Option<f64>,
    continuous: bool,
}

fn percentile_arg(v: Option<&Value>) -> CypherResult<f64> {
    let p = match v {
        Some(Value::Int(i)) => *i as f64,
        Some(Value::Float(f)) => *f,
        Some(other) => {
            return Err(CypherError::type_error(format!(
                "The percentile must be a number, but was {}",
                other.type_name()
            )))
        }
        None => return Err(CypherError::argument("A percentile function needs a percentile")),
    };
    if !(0.0..=1.0).contains(&p) {
        return Err(CypherError::argument(format!(
            "Number out of range: the percentile must be between 0.0 and 1.0, but was {p}"
        )));
    }
    Ok(p)
}

impl Aggregator for Percentile {
    fn update(&mut self, args: Vec<Value>) -> CypherResult<()> {
        if self.percentile.is_none() {
            self.percentile = Some(percentile_arg(args.get(1))?);
        }
        let v = first(args);
        match v {
            Value::Null => {}
            Value::Int(_) | Value::Float(_) => self.values.push(v),
            other => {
                return Err(CypherError::type_error(format!("Percentiles need numbers, but got {}", other.type_name())))
            }
        }
        Ok(())
    }
    fn finish(mut self: Box<Self>) -> CypherResult<Value> {
        let Some(p) = self.percentile else { return Ok(Value::Null) };
        if self.values.is_empty() {
            return Ok(Value::Null);
        }
        self.values.sort_by(order);
        let n = self.values.len();
        let as_f64 = |v: &Value| match v {
            Value::Int(i) => *i as f64,
            Value::Float(f) => *f,
            _ => f64::NAN,
        };
        if self.continuous {
            let position = p * (n - 1) as f64;
            let (lo, hi) = (position.floor() as usize, position.ceil() as usize);
            let (a, b) = (as_f64(&self.values[lo.min(n - 1)]), as_f64(&self.values[hi.min(n - 1)]));
            return Ok(Value::Float(a + (b - a) * (position - lo as f64)));
        }
        let index = ((p * n as f64).ceil() as usize).saturating_sub(1).min(n - 1);
        Ok(self.values.swap_remove(index))
    }
}

/// Welford's running variance.
struct StDev {
    n: u64,
    mean: f64,
    m2: f64,
    sample: bool,
}

impl Aggregator for StDev {
    fn update(&mut self, args: Vec<Value>) -> CypherResult<()> {
        let x = match first(args) {
            Value::Null => return Ok(()),
            Value::Int(i) => i as f64,
            Value::Float(f) => f,
            other => {
                return Err(CypherError::new(
                    ErrorKind::Type,
                    format!("stDev() needs numbers, but got {}", other.type_name()),
                ))
            }
        };
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
        Ok(())
    }
    fn finish(self: Box<Self>) -> CypherResult<Value> {
        let divisor = if self.sample { self.n.saturating_sub(1) } else { self.n };
        if divisor == 0 {
            return Ok(Value::Float(0.0));
        }
        Ok(Value::Float((self.m2 / divisor as f64).sqrt()))
    }
}

#[cfg(test)]
#[path = "aggregate_tests.rs"]
mod tests;
