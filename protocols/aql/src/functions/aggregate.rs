//! The aggregate functions of COLLECT ... AGGREGATE and WINDOW, fed one value per row.
//! As in ArangoDB's aggregators: LENGTH/COUNT, PUSH, UNIQUE, SORTED_UNIQUE and
//! COUNT_DISTINCT take every value (null too); MIN, SUM, AVERAGE, the variances and
//! standard deviations and the bit operations skip nulls; a non-number (or, for the bit
//! operations, a value outside 0..2^32) makes the result null; SUM of no rows is null.

use super::bits::u32_of;
use super::distinct::DistinctSet;
use super::numeric::Moments;
use super::{Def, FnContext};
use crate::value::{compare::compare, Value};
use std::cmp::Ordering;

/// No function definitions of its own: every aggregate is also a function of its family.
pub(super) const DEFS: &[Def] = &[];

/// One running aggregate of COLLECT ... AGGREGATE or WINDOW.
pub trait Aggregate: Send {
    fn add(&mut self, value: &Value, ctx: &mut FnContext);
    fn finish(&self) -> Value;
}

pub(super) fn make(name: &str) -> Option<Box<dyn Aggregate>> {
    Some(match name {
        "LENGTH" | "COUNT" => Box::new(Count(0)),
        "MIN" => Box::new(Extreme { want: Ordering::Less, best: None }),
        "MAX" => Box::new(Extreme { want: Ordering::Greater, best: None }),
        "SUM" => Box::new(Sum { int: Some(0), float: 0.0, invalid: false, rows: 0 }),
        "AVERAGE" | "AVG" => {
            Box::new(Stats { kind: Stat::Mean, sum: 0.0, moments: Moments::default(), invalid: false })
        }
        "VARIANCE_POPULATION" | "VARIANCE" => Box::new(Stats::new(Stat::Variance(false))),
        "VARIANCE_SAMPLE" => Box::new(Stats::new(Stat::Variance(true))),
        "STDDEV_POPULATION" | "STDDEV" => Box::new(Stats::new(Stat::Stddev(false))),
        "STDDEV_SAMPLE" => Box::new(Stats::new(Stat::Stddev(true))),
        "COUNT_DISTINCT" | "COUNT_UNIQUE" => {
            Box::new(Distinct { set: DistinctSet::default(), kind: DistinctKind::Count })
        }
        "UNIQUE" => Box::new(Distinct { set: DistinctSet::default(), kind: DistinctKind::Values }),
        "SORTED_UNIQUE" => Box::new(Distinct { set: DistinctSet::default(), kind: DistinctKind::Sorted }),
        "PUSH" => Box::new(Push(Vec::new())),
        "BIT_AND" => Box::new(Bits { op: |a, b| a & b, acc: None, invalid: false }),
        "BIT_OR" => Box::new(Bits { op: |a, b| a | b, acc: None, invalid: false }),
        "BIT_XOR" => Box::new(Bits { op: |a, b| a ^ b, acc: None, invalid: false }),
        _ => return None,
    })
}

struct Count(u64);

impl Aggregate for Count {
    fn add(&mut self, _: &Value, _: &mut FnContext) {
        self.0 += 1;
    }
    fn finish(&self) -> Value {
        Value::Int(self.0 as i64)
    }
}

struct Extreme {
    want: Ordering,
    best: Option<Value>,
}

impl Aggregate for Extreme {
    fn add(&mut self, value: &Value, _: &mut FnContext) {
        if value.is_null() {
            return;
        }
        let better = self.best.as_ref().is_none_or(|b| compare(value, b) == self.want);
        if better {
            self.best = Some(value.clone());
        }
    }
    fn finish(&self) -> Value {
        self.best.clone().unwrap_or(Value::Null)
    }
}

struct Sum {
    int: Option<i64>,
    float: f64,
    invalid: bool,
    rows: u64,
}

impl Aggregate for Sum {
    fn add(&mut self, value: &Value, _: &mut FnContext) {
        self.rows += 1;
        match value {
            Value::Null => {}
            Value::Int(i) => {
                self.int = self.int.and_then(|s| s.checked_add(*i));
                self.float += *i as f64;
            }
            Value::Double(d) => {
                self.int = None;
                self.float += d;
            }
            _ => self.invalid = true,
        }
    }
    fn finish(&self) -> Value {
        match (self.invalid || self.rows == 0, self.int) {
            (true, _) => Value::Null,
            (false, Some(i)) if i.unsigned_abs() < 1 << 53 => Value::Int(i),
            (false, _) => Value::double(self.float),
        }
    }
}

#[derive(Clone, Copy)]
enum Stat {
    Mean,
    Variance(bool),
    Stddev(bool),
}

struct Stats {
    kind: Stat,
    sum: f64,
    moments: Moments,
    invalid: bool,
}

impl Stats {
    fn new(kind: Stat) -> Stats {
        Stats { kind, sum: 0.0, moments: Moments::default(), invalid: false }
    }
}

impl Aggregate for Stats {
    fn add(&mut self, value: &Value, _: &mut FnContext) {
        match value {
            Value::Null => {}
            Value::Int(_) | Value::Double(_) => {
                let x = value.as_f64().unwrap_or(0.0);
                self.sum += x;
                self.moments.add(x);
            }
            _ => self.invalid = true,
        }
    }
    fn finish(&self) -> Value {
        if self.invalid {
            return Value::Null;
        }
        let r = match self.kind {
            Stat::Mean if self.moments.n > 0 => Some(self.sum / self.moments.n as f64),
            Stat::Mean => None,
            Stat::Variance(sample) => self.moments.variance(sample),
            Stat::Stddev(sample) => self.moments.variance(sample).map(f64::sqrt),
        };
        r.map(Value::double).unwrap_or(Value::Null)
    }
}

enum DistinctKind {
    Count,
    Values,
    Sorted,
}

struct Distinct {
    set: DistinctSet,
    kind: DistinctKind,
}

impl Aggregate for Distinct {
    fn add(&mut self, value: &Value, _: &mut FnContext) {
        self.set.insert(value.clone());
    }
    fn finish(&self) -> Value {
        match self.kind {
            DistinctKind::Count => Value::Int(self.set.len() as i64),
            DistinctKind::Values => Value::Array(self.set.values().to_vec()),
            DistinctKind::Sorted => {
                let mut v = self.set.values().to_vec();
                v.sort_by(compare);
                Value::Array(v)
            }
        }
    }
}

struct Push(Vec<Value>);

impl Aggregate for Push {
    fn add(&mut self, value: &Value, _: &mut FnContext) {
        self.0.push(value.clone());
    }
    fn finish(&self) -> Value {
        Value::Array(self.0.clone())
    }
}

struct Bits {
    op: fn(u32, u32) -> u32,
    acc: Option<u32>,
    invalid: bool,
}

impl Aggregate for Bits {
    fn add(&mut self, value: &Value, _: &mut FnContext) {
        if value.is_null() || self.invalid {
            return;
        }
        match u32_of(value) {
            Some(x) => self.acc = Some(self.acc.map_or(x, |a| (self.op)(a, x))),
            None => self.invalid = true,
        }
    }
    fn finish(&self) -> Value {
        match (self.invalid, self.acc) {
            (false, Some(a)) => Value::Int(i64::from(a)),
            _ => Value::Null,
        }
    }
}
