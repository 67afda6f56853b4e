//! Aggregating functions (interim until `crate::aggregate` lands): count, sum, avg, min,
//! max, collect, stDev/stDevP, percentileCont/percentileDisc, each optionally DISTINCT.
//! Nulls are skipped, as Cypher's aggregates do.

use super::interim::{self, GroupKey};
use crate::error::{CypherError, CypherResult};
use crate::value::Value;
use std::collections::HashSet;

pub(crate) trait Aggregator: Send {
    fn update(&mut self, args: Vec<Value>) -> CypherResult<()>;
    fn finish(&mut self) -> CypherResult<Value>;
}

struct Distinct {
    seen: HashSet<GroupKey>,
    inner: Box<dyn Aggregator>,
}

impl Aggregator for Distinct {
    fn update(&mut self, args: Vec<Value>) -> CypherResult<()> {
        let key = GroupKey::of(args.first().unwrap_or(&Value::Null));
        if self.seen.insert(key) {
            self.inner.update(args)?;
        }
        Ok(())
    }
    fn finish(&mut self) -> CypherResult<Value> {
        self.inner.finish()
    }
}

struct CountStar(i64);

impl Aggregator for CountStar {
    fn update(&mut self, _args: Vec<Value>) -> CypherResult<()> {
        self.0 += 1;
        Ok(())
    }
    fn finish(&mut self) -> CypherResult<Value> {
        Ok(Value::Int(self.0))
    }
}

/// Collects the non-null first arguments (and the second, for percentiles) and folds them
/// at the end.
struct Gather {
    kind: Kind,
    values: Vec<Value>,
    extra: Option<Value>,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Count,
    Sum,
    Avg,
    Min,
    Max,
    Collect,
    StDev,
    StDevP,
    PercentileCont,
    PercentileDisc,
}

fn number(v: &Value) -> CypherResult<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        other => {
            Err(CypherError::type_error(format!("Type mismatch: expected a number but was {}", other.type_name())))
        }
    }
}

impl Aggregator for Gather {
    fn update(&mut self, mut args: Vec<Value>) -> CypherResult<()> {
        if args.len() > 1 && self.extra.is_none() {
            self.extra = args.pop();
        }
        if let Some(v) = args.into_iter().next() {
            if !v.is_null() {
                if self.kind != Kind::Count
                    && self.kind != Kind::Collect
                    && self.kind != Kind::Min
                    && self.kind != Kind::Max
                {
                    number(&v)?;
                }
                self.values.push(v);
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> CypherResult<Value> {
        let values = std::mem::take(&mut self.values);
        match self.kind {
            Kind::Count => Ok(Value::Int(values.len() as i64)),
            Kind::Collect => Ok(Value::List(values)),
            Kind::Min | Kind::Max => {
                let mut best: Option<Value> = None;
                for v in values {
                    best = Some(match best {
                        None => v,
                        Some(b) => {
                            let o = interim::order(&v, &b);
                            let take = if self.kind == Kind::Min { o.is_lt() } else { o.is_gt() };
                            if take {
                                v
                            } else {
                                b
                            }
                        }
                    });
                }
                Ok(best.unwrap_or(Value::Null))
            }
            Kind::Sum => {
                let mut acc = Value::Int(0);
                for v in &values {
                    acc = interim::add(&acc, v)?;
                }
                Ok(acc)
            }
            Kind::Avg => {
                if values.is_empty() {
                    return Ok(Value::Null);
                }
                let mut sum = 0.0;
                for v in &values {
                    sum += number(v)?;
                }
                Ok(Value::Float(sum / values.len() as f64))
            }
            Kind::StDev | Kind::StDevP => {
                let n = values.len();
                let denominator = if self.kind == Kind::StDev { n.saturating_sub(1) } else { n };
                if denominator == 0 {
                    return Ok(Value::Float(0.0));
                }
                let xs = values.iter().map(number).collect::<CypherResult<Vec<_>>>()?;
                let mean = xs.iter().sum::<f64>() / n as f64;
                let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / denominator as f64;
                Ok(Value::Float(var.sqrt()))
            }
            Kind::PercentileCont | Kind::PercentileDisc => {
                let p = match &self.extra {
                    Some(v) => number(v)?,
                    None => return Ok(Value::Null),
                };
                if !(0.0..=1.0).contains(&p) {
                    return Err(CypherError::argument(format!("Number {p} must be between 0.0 and 1.0")));
                }
                if values.is_empty() {
                    return Ok(Value::Null);
                }
                let mut sorted = values;
                sorted.sort_by(interim::order);
                let n = sorted.len();
                if self.kind == Kind::PercentileDisc {
                    let idx = if p == 0.0 { 0 } else { ((p * n as f64).ceil() as usize).saturating_sub(1) };
                    return Ok(sorted.get(idx.min(n - 1)).cloned().unwrap_or(Value::Null));
                }
                let pos = p * (n - 1) as f64;
                let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
                let a = number(sorted.get(lo).unwrap_or(&Value::Null))?;
                let b = number(sorted.get(hi).unwrap_or(&Value::Null))?;
                Ok(Value::Float(a + (b - a) * (pos - lo as f64)))
            }
        }
    }
}

pub(crate) fn count_star() -> Box<dyn Aggregator> {
    Box::new(CountStar(0))
}

pub(crate) fn new_aggregator(name: &str, distinct: bool) -> Option<Box<dyn Aggregator>> {
    let kind = match name.to_ascii_lowercase().as_str() {
        "count" => Kind::Count,
        "sum" => Kind::Sum,
        "avg" => Kind::Avg,
        "min" => Kind::Min,
        "max" => Kind::Max,
        "collect" => Kind::Collect,
        "stdev" => Kind::StDev,
        "stdevp" => Kind::StDevP,
        "percentilecont" => Kind::PercentileCont,
        "percentiledisc" => Kind::PercentileDisc,
        _ => return None,
    };
    let inner: Box<dyn Aggregator> = Box::new(Gather { kind, values: Vec::new(), extra: None });
    Some(if distinct { Box::new(Distinct { seen: HashSet::new(), inner }) } else { inner })
}
