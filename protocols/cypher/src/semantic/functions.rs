//! The functions semantic analysis knows, with their arity (UnknownFunction,
//! InvalidNumberOfArguments): the executor's scalar library ([`crate::functions`]) and
//! aggregates ([`crate::aggregate`]) are the source, plus the forms the executor
//! evaluates itself. Names match case-insensitively.

/// Functions evaluated by the executor outside the scalar library.
const SPECIAL_FORMS: &[(&str, usize, usize)] = &[("exists", 1, 1)];

/// (fewest, most) arguments of a known function (`usize::MAX`: any number), or None.
pub fn arity(name: &str) -> Option<(usize, usize)> {
    if is_aggregate(name) {
        let lower = name.to_ascii_lowercase();
        return Some(if lower.starts_with("percentile") { (2, 2) } else { (1, 1) });
    }
    if let Some(a) = crate::functions::arity(name) {
        return Some(a);
    }
    let lower = name.to_ascii_lowercase();
    SPECIAL_FORMS.iter().find(|(n, _, _)| *n == lower).map(|(_, min, max)| (*min, *max))
}

pub fn is_aggregate(name: &str) -> bool {
    crate::aggregate::is_aggregate(name)
}

/// Functions whose result differs call by call (not allowed inside an aggregation).
pub fn is_nondeterministic(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(lower.as_str(), "rand" | "randomuuid")
}
