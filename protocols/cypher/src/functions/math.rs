//! Numeric functions: abs, ceil, floor, round (half up toward positive infinity without a
//! precision, as Neo4j; with a precision, on the shortest decimal form of the float with
//! Java's rounding modes, HALF_UP by default), sign, sqrt, exp, logarithms,
//! trigonometry, degrees/radians, haversin, isNaN, e, pi and rand.

use super::wrong_type;
use crate::error::{CypherError, CypherResult, ErrorKind};
use crate::value::Value;
use std::cell::Cell;

fn number(function: &str, v: &Value) -> CypherResult<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        other => Err(wrong_type(function, "a Number", other)),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Up,
    Down,
    Ceiling,
    Floor,
    HalfUp,
    HalfDown,
    HalfEven,
}

fn mode(v: &Value) -> CypherResult<Mode> {
    let Value::String(s) = v else { return Err(wrong_type("round", "a String", v)) };
    Ok(match s.to_ascii_uppercase().as_str() {
        "UP" => Mode::Up,
        "DOWN" => Mode::Down,
        "CEILING" => Mode::Ceiling,
        "FLOOR" => Mode::Floor,
        "HALF_UP" => Mode::HalfUp,
        "HALF_DOWN" => Mode::HalfDown,
        "HALF_EVEN" => Mode::HalfEven,
        _ => return Err(CypherError::argument(format!("Unknown rounding mode: {s}"))),
    })
}

/// `x` rounded to `precision` decimal places on its shortest decimal representation.
fn round_decimal(x: f64, precision: i64, mode: Mode) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let negative = x < 0.0;
    let sci = format!("{:e}", x.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let scale = exponent - (digits.len() as i64 - 1);
    if -scale <= precision {
        return x;
    }
    let drop = (-scale - precision) as usize;
    let m: u128 = digits.parse().unwrap_or(0);
    let (kept, remainder_vs_half, exact) = if drop > digits.len() {
        (0u128, std::cmp::Ordering::Less, m == 0)
    } else {
        let unit = 10u128.pow(drop as u32);
        let (q, r) = (m / unit, m % unit);
        (q, (r * 2).cmp(&unit), r == 0)
    };
    let away = match mode {
        Mode::Up => !exact,
        Mode::Down => false,
        Mode::Ceiling => !exact && !negative,
        Mode::Floor => !exact && negative,
        Mode::HalfUp => remainder_vs_half.is_ge(),
        Mode::HalfDown => remainder_vs_half.is_gt(),
        Mode::HalfEven => remainder_vs_half.is_gt() || (remainder_vs_half.is_eq() && kept % 2 == 1),
    };
    let q = kept + u128::from(away);
    let text = format!("{}{q}e{}", if negative { "-" } else { "" }, -precision);
    text.parse().unwrap_or(x)
}

fn round(args: &[Value]) -> CypherResult<Value> {
    let x = number("round", &args[0])?;
    let Some(precision) = args.get(1) else {
        let floor = x.floor();
        return Ok(Value::Float(if x.is_finite() && x - floor >= 0.5 { floor + 1.0 } else { floor }));
    };
    let precision = match precision {
        Value::Int(p) => *p,
        other => return Err(wrong_type("round", "an Integer", other)),
    };
    if !(-400..=400).contains(&precision) {
        return Err(CypherError::argument("round() precision out of range"));
    }
    let m = match args.get(2) {
        Some(v) => mode(v)?,
        None => Mode::HalfUp,
    };
    Ok(Value::Float(round_decimal(x, precision, m)))
}

thread_local! {
    static RNG: Cell<u64> = const { Cell::new(0) };
}

fn random() -> f64 {
    RNG.with(|state| {
        let mut x = state.get();
        if x == 0 {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0x9E37_79B9_7F4A_7C15);
            x = nanos ^ (&x as *const u64 as u64).rotate_left(32) | 1;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        state.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}

fn unary(name: &str, x: f64) -> Option<f64> {
    Some(match name {
        "sqrt" => x.sqrt(),
        "exp" => x.exp(),
        "log" => x.ln(),
        "log10" => x.log10(),
        "sin" => x.sin(),
        "cos" => x.cos(),
        "tan" => x.tan(),
        "cot" => 1.0 / x.tan(),
        "asin" => x.asin(),
        "acos" => x.acos(),
        "atan" => x.atan(),
        "degrees" => x.to_degrees(),
        "radians" => x.to_radians(),
        "haversin" => (1.0 - x.cos()) / 2.0,
        "ceil" => x.ceil(),
        "floor" => x.floor(),
        _ => return None,
    })
}

pub(super) fn call(name: &str, args: &[Value]) -> Option<CypherResult<Value>> {
    match name {
        "e" => return Some(Ok(Value::Float(std::f64::consts::E))),
        "pi" => return Some(Ok(Value::Float(std::f64::consts::PI))),
        "rand" => return Some(Ok(Value::Float(random()))),
        _ => {}
    }
    let known = [
        "abs", "ceil", "floor", "round", "sign", "sqrt", "exp", "log", "log10", "sin", "cos", "tan", "cot", "asin",
        "acos", "atan", "atan2", "degrees", "radians", "haversin", "isnan",
    ];
    if !known.contains(&name) {
        return None;
    }
    if args.iter().any(Value::is_null) {
        return Some(Ok(Value::Null));
    }
    Some(match name {
        "abs" => match &args[0] {
            Value::Int(i) => {
                i.checked_abs().map(Value::Int).ok_or_else(|| CypherError::new(ErrorKind::Arithmetic, "long overflow"))
            }
            Value::Float(f) => Ok(Value::Float(f.abs())),
            other => Err(wrong_type(name, "a Number", other)),
        },
        "sign" => match &args[0] {
            Value::Int(i) => Ok(Value::Int(i.signum())),
            Value::Float(f) if f.is_nan() => Ok(Value::Int(0)),
            Value::Float(f) => Ok(Value::Int(if *f > 0.0 {
                1
            } else if *f < 0.0 {
                -1
            } else {
                0
            })),
            other => Err(wrong_type(name, "a Number", other)),
        },
        "isnan" => match &args[0] {
            Value::Int(_) => Ok(Value::Bool(false)),
            Value::Float(f) => Ok(Value::Bool(f.is_nan())),
            other => Err(wrong_type(name, "a Number", other)),
        },
        "round" => round(args),
        "atan2" => (|| Ok(Value::Float(number(name, &args[0])?.atan2(number(name, &args[1])?))))(),
        _ => number(name, &args[0]).map(|x| Value::Float(unary(name, x).unwrap_or(f64::NAN))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(args: Vec<Value>) -> f64 {
        match round(&args) {
            Ok(Value::Float(f)) => f,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rounding() {
        assert_eq!(r(vec![Value::Float(2.5)]), 3.0);
        assert_eq!(r(vec![Value::Float(-2.5)]), -2.0);
        assert_eq!(r(vec![Value::Float(-2.6)]), -3.0);
        assert_eq!(r(vec![Value::Float(1.234567), Value::Int(3)]), 1.235);
        assert_eq!(r(vec![Value::Float(-1.5), Value::Int(0)]), -2.0);
        assert_eq!(r(vec![Value::Float(1.005), Value::Int(2)]), 1.01);
        assert_eq!(r(vec![Value::Float(2.5), Value::Int(0), Value::String("HALF_EVEN".into())]), 2.0);
        assert_eq!(r(vec![Value::Float(1.234), Value::Int(1), Value::String("CEILING".into())]), 1.3);
        assert_eq!(r(vec![Value::Float(1234.5), Value::Int(-2)]), 1200.0);
        assert_eq!(r(vec![Value::Float(0.0004), Value::Int(2), Value::String("UP".into())]), 0.01);
    }

    #[test]
    fn random_in_unit_interval() {
        for _ in 0..100 {
            let x = random();
            assert!((0.0..1.0).contains(&x));
        }
    }
}
