//! Spatial functions: `point({...})` in every CRS form (x/y[/z], longitude/latitude
//! [/height], `crs:` or `srid:` given), `point.distance`/`distance` (euclidean for
//! cartesian points; haversine on a sphere of Neo4j's radius 6,378,140 m for WGS-84, with
//! the height difference for 3-D) and `point.withinBBox`.

use super::wrong_type;
use crate::error::{CypherError, CypherResult};
use crate::value::{Map, Point, Value};

pub const EARTH_RADIUS_METERS: f64 = 6_378_140.0;

pub fn crs_name(srid: u32) -> &'static str {
    match srid {
        7203 => "cartesian",
        9157 => "cartesian-3d",
        4326 => "wgs-84",
        4979 => "wgs-84-3d",
        _ => "unknown",
    }
}

fn srid_of_crs(name: &str) -> Option<u32> {
    Some(match name.to_ascii_lowercase().as_str() {
        "cartesian" => 7203,
        "cartesian-3d" => 9157,
        "wgs-84" => 4326,
        "wgs-84-3d" => 4979,
        _ => return None,
    })
}

fn coordinate(m: &Map, key: &str) -> CypherResult<Option<f64>> {
    match m.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v) {
        None => Ok(None),
        Some(Value::Int(i)) => Ok(Some(*i as f64)),
        Some(Value::Float(f)) => Ok(Some(*f)),
        Some(other) => Err(wrong_type("point", "a Number coordinate", other)),
    }
}

pub fn point_from_map(m: &Map) -> CypherResult<Value> {
    if m.values().any(Value::is_null) {
        return Ok(Value::Null);
    }
    for key in m.keys() {
        let k = key.to_ascii_lowercase();
        if !["x", "y", "z", "longitude", "latitude", "height", "crs", "srid"].contains(&k.as_str()) {
            return Err(CypherError::argument(format!("Unknown key '{key}' for creating a point")));
        }
    }
    let geographic_keys = coordinate(m, "longitude")?.is_some() || coordinate(m, "latitude")?.is_some();
    let (x, y, z) = if geographic_keys {
        (coordinate(m, "longitude")?, coordinate(m, "latitude")?, coordinate(m, "height")?)
    } else {
        (coordinate(m, "x")?, coordinate(m, "y")?, coordinate(m, "z")?)
    };
    let (Some(x), Some(y)) = (x, y) else {
        return Err(CypherError::argument("A point needs x and y, or longitude and latitude"));
    };
    let asked = match m.iter().find(|(k, _)| k.eq_ignore_ascii_case("crs")).map(|(_, v)| v) {
        Some(Value::String(name)) => Some(
            srid_of_crs(name)
                .ok_or_else(|| CypherError::argument(format!("Unknown coordinate reference system: {name}")))?,
        ),
        Some(other) => return Err(wrong_type("point", "a String crs", other)),
        None => match m.iter().find(|(k, _)| k.eq_ignore_ascii_case("srid")).map(|(_, v)| v) {
            Some(Value::Int(s)) => Some(
                u32::try_from(*s)
                    .ok()
                    .filter(|s| crs_name(*s) != "unknown")
                    .ok_or_else(|| CypherError::argument(format!("Unknown coordinate reference system: srid {s}")))?,
            ),
            Some(other) => return Err(wrong_type("point", "an Integer srid", other)),
            None => None,
        },
    };
    let srid = match asked {
        Some(s) => s,
        None => match (geographic_keys, z.is_some()) {
            (true, false) => 4326,
            (true, true) => 4979,
            (false, false) => 7203,
            (false, true) => 9157,
        },
    };
    let three_d = matches!(srid, 9157 | 4979);
    if three_d != z.is_some() {
        return Err(CypherError::argument(format!(
            "Cannot create a point with {} coordinates in {}",
            if z.is_some() { 3 } else { 2 },
            crs_name(srid)
        )));
    }
    if geographic_keys && !matches!(srid, 4326 | 4979) {
        return Err(CypherError::argument("longitude/latitude need a geographic coordinate reference system"));
    }
    if matches!(srid, 4326 | 4979) && !(-90.0..=90.0).contains(&y) {
        return Err(CypherError::argument(format!("Latitude must be between -90 and 90, but was {y}")));
    }
    Ok(Value::Point(Point { srid, x, y, z }))
}

/// The distance between two points of one CRS; None for points of different CRSs.
pub fn distance(a: &Point, b: &Point) -> Option<f64> {
    if a.srid != b.srid {
        return None;
    }
    let dz = match (a.z, b.z) {
        (Some(z1), Some(z2)) => z2 - z1,
        _ => 0.0,
    };
    Some(match a.srid {
        4326 | 4979 => {
            let (lat1, lat2) = (a.y.to_radians(), b.y.to_radians());
            let d_lat = lat2 - lat1;
            let d_lon = (b.x - a.x).to_radians();
            let h = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lon / 2.0).sin().powi(2);
            let ground = 2.0 * EARTH_RADIUS_METERS * h.sqrt().min(1.0).asin();
            (ground * ground + dz * dz).sqrt()
        }
        _ => ((b.x - a.x).powi(2) + (b.y - a.y).powi(2) + dz * dz).sqrt(),
    })
}

fn within_bbox(p: &Point, lower: &Point, upper: &Point) -> Option<bool> {
    if p.srid != lower.srid || p.srid != upper.srid {
        return None;
    }
    let y_ok = p.y >= lower.y && p.y <= upper.y;
    let x_ok = if matches!(p.srid, 4326 | 4979) && lower.x > upper.x {
        p.x >= lower.x || p.x <= upper.x
    } else {
        p.x >= lower.x && p.x <= upper.x
    };
    let z_ok = match (p.z, lower.z, upper.z) {
        (Some(z), Some(lo), Some(hi)) => z >= lo && z <= hi,
        _ => true,
    };
    Some(x_ok && y_ok && z_ok)
}

fn point_arg<'a>(function: &str, v: &'a Value) -> CypherResult<&'a Point> {
    match v {
        Value::Point(p) => Ok(p),
        other => Err(wrong_type(function, "a Point", other)),
    }
}

pub(super) fn call(name: &str, args: &[Value]) -> Option<CypherResult<Value>> {
    if !matches!(name, "point" | "point.distance" | "distance" | "point.withinbbox") {
        return None;
    }
    if args.iter().any(Value::is_null) {
        return Some(Ok(Value::Null));
    }
    Some(match name {
        "point" => match &args[0] {
            Value::Map(m) => point_from_map(m),
            Value::Point(p) => Ok(Value::Point(*p)),
            other => Err(wrong_type(name, "a Map", other)),
        },
        "point.distance" | "distance" => (|| {
            let (a, b) = (point_arg(name, &args[0])?, point_arg(name, &args[1])?);
            Ok(distance(a, b).map(Value::Float).unwrap_or(Value::Null))
        })(),
        _ => (|| {
            let p = point_arg(name, &args[0])?;
            let (lower, upper) = (point_arg(name, &args[1])?, point_arg(name, &args[2])?);
            Ok(within_bbox(p, lower, upper).map(Value::Bool).unwrap_or(Value::Null))
        })(),
    })
}
