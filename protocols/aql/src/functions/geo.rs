//! AQL's geo functions: DISTANCE and GEO_DISTANCE (haversine on a sphere of radius
//! 6371000 m, between shape centroids — point mean, length- and area-weighted for lines
//! and polygons — as ArangoDB measures), GEO_IN_RANGE, the GeoJSON
//! constructors, GEO_CONTAINS/GEO_INTERSECTS/GEO_EQUALS, GEO_AREA (spherical excess)
//! and the legacy IS_IN_POLYGON. Containment and intersection test polygon edges as
//! straight lines in longitude/latitude (ArangoDB's S2 uses geodesic edges: the two
//! agree except near long edges and the poles). The WGS84 ellipsoid is not supported.

use super::{def, Args, Def};
use crate::error::{AqlError, AqlResult};
use crate::value::{compare::compare, Value};

pub(super) const DEFS: &[Def] = &[
    def("DISTANCE", 4, 4, distance),
    def("GEO_DISTANCE", 2, 3, geo_distance),
    def("GEO_IN_RANGE", 4, 7, geo_in_range),
    def("GEO_CONTAINS", 2, 2, |a| relation(a, contains)),
    def("GEO_INTERSECTS", 2, 2, |a| relation(a, intersects)),
    def("GEO_EQUALS", 2, 2, geo_equals),
    def("GEO_AREA", 1, 2, geo_area),
    def("IS_IN_POLYGON", 2, 3, is_in_polygon),
    def("GEO_POINT", 2, 2, geo_point),
    def("GEO_MULTIPOINT", 1, 1, |a| positions_shape(a, "MultiPoint")),
    def("GEO_LINESTRING", 1, 1, |a| positions_shape(a, "LineString")),
    def("GEO_MULTILINESTRING", 1, 1, geo_multilinestring),
    def("GEO_POLYGON", 1, 1, geo_polygon),
    def("GEO_MULTIPOLYGON", 1, 1, geo_multipolygon),
];

pub const EARTH_RADIUS_M: f64 = 6_371_000.0;

/// (longitude, latitude) in degrees.
type Point = (f64, f64);
type Ring = Vec<Point>;

#[derive(Debug, Clone)]
enum Shape {
    Points(Vec<Point>),
    Lines(Vec<Vec<Point>>),
    /// Polygons: an outer ring, then holes.
    Polygons(Vec<Vec<Ring>>),
}

fn haversine((lon1, lat1): Point, (lon2, lat2): Point) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

fn point(v: &Value) -> Option<Point> {
    match v.as_array()? {
        [lon, lat, ..] => {
            let (lon, lat) = (lon.as_f64()?, lat.as_f64()?);
            ((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)).then_some((lon, lat))
        }
        _ => None,
    }
}

fn points(v: &Value) -> Option<Vec<Point>> {
    v.as_array()?.iter().map(point).collect()
}

fn rings(v: &Value) -> Option<Vec<Ring>> {
    let rings: Vec<Ring> = v.as_array()?.iter().map(points).collect::<Option<_>>()?;
    let closed = |r: &Ring| r.len() >= 4 && r.first() == r.last();
    (!rings.is_empty() && rings.iter().all(closed)).then_some(rings)
}

/// A GeoJSON object, or a bare `[lon, lat]` pair.
fn shape(v: &Value) -> Option<Shape> {
    if let Some(p) = point(v) {
        return Some(Shape::Points(vec![p]));
    }
    let coords = v.get("coordinates")?;
    Some(match v.get("type")?.as_str()? {
        "Point" => Shape::Points(vec![point(coords)?]),
        "MultiPoint" => Shape::Points(points(coords)?),
        "LineString" => Shape::Lines(vec![points(coords)?]),
        "MultiLineString" => Shape::Lines(coords.as_array()?.iter().map(points).collect::<Option<_>>()?),
        "Polygon" => Shape::Polygons(vec![rings(coords)?]),
        "MultiPolygon" => Shape::Polygons(coords.as_array()?.iter().map(rings).collect::<Option<_>>()?),
        _ => return None,
    })
}

fn vertices(s: &Shape) -> Vec<Point> {
    match s {
        Shape::Points(p) => p.clone(),
        Shape::Lines(lines) => lines.iter().flatten().copied().collect(),
        Shape::Polygons(polys) => polys
            .iter()
            .filter_map(|rings| rings.first())
            .flat_map(|outer| outer.iter().take(outer.len().saturating_sub(1)).copied())
            .collect(),
    }
}

type Vec3 = [f64; 3];

fn unit((lon, lat): Point) -> Vec3 {
    let (l, p) = (lon.to_radians(), lat.to_radians());
    [p.cos() * l.cos(), p.cos() * l.sin(), p.sin()]
}

fn add(a: Vec3, b: Vec3, w: f64) -> Vec3 {
    [a[0] + b[0] * w, a[1] + b[1] * w, a[2] + b[2] * w]
}

fn det(a: Vec3, b: Vec3, c: Vec3) -> f64 {
    a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0])
}

/// The area-weighted centre of a ring, as a fan of triangles from its first vertex:
/// (Σ signed weight × vertex sum, Σ signed weight).
fn ring_moment(ring: &[Point]) -> (Vec3, f64) {
    let vs: Vec<Vec3> = ring.iter().take(ring.len().saturating_sub(1)).copied().map(unit).collect();
    let (mut sum, mut weight) = ([0.0; 3], 0.0);
    if let Some((&first, rest)) = vs.split_first() {
        for w in rest.windows(2) {
            let (b, c) = (w[0], w[1]);
            let d = det(first, b, c);
            sum = add(sum, add(add(first, b, 1.0), c, 1.0), d);
            weight += d;
        }
    }
    (sum, weight)
}

/// A shape's centroid, as S2 computes one: the mean of points, the length-weighted
/// mean of line segments, the area-weighted mean of polygons (holes taken out).
fn centroid(s: &Shape) -> Option<Point> {
    let mut sum = [0.0; 3];
    match s {
        Shape::Points(ps) => ps.iter().for_each(|p| sum = add(sum, unit(*p), 1.0)),
        Shape::Lines(lines) => {
            for w in lines.iter().flat_map(|l| l.windows(2)) {
                let (a, b) = (unit(w[0]), unit(w[1]));
                let length = haversine(w[0], w[1]).max(f64::MIN_POSITIVE);
                sum = add(sum, add(a, b, 1.0), length);
            }
        }
        Shape::Polygons(polys) => {
            for rings in polys {
                for (i, ring) in rings.iter().enumerate() {
                    let (moment, weight) = ring_moment(ring);
                    let hole = if i == 0 { 1.0 } else { -1.0 };
                    sum = add(sum, moment, hole * weight.signum());
                }
            }
            if sum.iter().all(|c| *c == 0.0) {
                vertices(s).into_iter().for_each(|p| sum = add(sum, unit(p), 1.0));
            }
        }
    }
    let r = (sum[0] * sum[0] + sum[1] * sum[1] + sum[2] * sum[2]).sqrt();
    if r == 0.0 || !r.is_finite() {
        return None;
    }
    Some((sum[1].atan2(sum[0]).to_degrees(), (sum[2] / r).asin().to_degrees()))
}

/// Warning 10 for a value that is no valid GeoJSON (or coordinate pair); answers null.
fn geo_error(args: &mut Args) -> Value {
    let message = format!("{}(): invalid GeoJSON object or coordinates", args.name());
    args.warn(crate::error::num::BAD_PARAMETER, message);
    Value::Null
}

/// Warning 1542 with ArangoDB's explanation; answers null.
fn type_mismatch(args: &mut Args, why: &str) -> Value {
    let message = format!("invalid argument type in call to function '{}()': {why}", args.name());
    args.warn(crate::error::num::QUERY_FUNCTION_ARGUMENT_TYPE_MISMATCH, message);
    Value::Null
}

fn distance(args: &mut Args) -> AqlResult<Value> {
    let nums: Option<Vec<f64>> = (0..4).map(|i| args.get(i).as_f64()).collect();
    match nums.as_deref() {
        Some(&[lat1, lon1, lat2, lon2]) => Ok(Value::double(haversine((lon1, lat1), (lon2, lat2)))),
        _ => Ok(args.type_error()),
    }
}

/// The ellipsoid argument `i`: absent or "sphere" is the sphere; "wgs84" is not
/// supported; anything else warns 10 and falls back to the sphere, as ArangoDB does.
fn check_ellipsoid(args: &mut Args, i: usize) -> AqlResult<()> {
    match args.get(i) {
        _ if !args.has(i) => Ok(()),
        Value::String(e) if e.eq_ignore_ascii_case("sphere") => Ok(()),
        Value::String(e) if e.eq_ignore_ascii_case("wgs84") => {
            Err(AqlError::not_supported(format!("{}() on the WGS84 ellipsoid", args.name())))
        }
        other => {
            let message = format!(
                "{}(): invalid ellipsoid {} specified, falling back to \"sphere\"",
                args.name(),
                crate::value::json::to_json_string(other)
            );
            args.warn(crate::error::num::BAD_PARAMETER, message);
            Ok(())
        }
    }
}

fn centroid_distance(args: &mut Args) -> Option<f64> {
    let a = shape(args.get(0)).as_ref().and_then(centroid)?;
    let b = shape(args.get(1)).as_ref().and_then(centroid)?;
    Some(haversine(a, b))
}

fn geo_distance(args: &mut Args) -> AqlResult<Value> {
    check_ellipsoid(args, 2)?;
    match centroid_distance(args) {
        Some(d) => Ok(Value::double(d)),
        None => Ok(geo_error(args)),
    }
}

fn geo_in_range(args: &mut Args) -> AqlResult<Value> {
    let bounds_ok = args.get(2).as_f64().is_some() && args.get(3).as_f64().is_some();
    let flags_ok = (4..6).all(|i| !args.has(i) || matches!(args.get(i), Value::Bool(_)));
    if !bounds_ok || !flags_ok {
        let message = format!("{}(): bounds must be numbers and the include flags booleans", args.name());
        args.warn(crate::error::num::BAD_PARAMETER, message);
        return Ok(Value::Null);
    }
    check_ellipsoid(args, 6)?;
    let (low, high) = (args.f64(2), args.f64(3));
    let (include_low, include_high) = (args.flag(4, true), args.flag(5, true));
    let Some(d) = centroid_distance(args) else { return Ok(geo_error(args)) };
    let above = if include_low { d >= low } else { d > low };
    let below = if include_high { d <= high } else { d < high };
    Ok(Value::Bool(above && below))
}

/// Ray casting on one ring; points on an edge count as inside.
fn in_ring(ring: &[Point], (x, y): Point) -> bool {
    let mut inside = false;
    for w in ring.windows(2) {
        let ((x1, y1), (x2, y2)) = (w[0], w[1]);
        let cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1);
        if cross == 0.0 && x >= x1.min(x2) && x <= x1.max(x2) && y >= y1.min(y2) && y <= y1.max(y2) {
            return true;
        }
        if (y1 > y) != (y2 > y) && x < (x2 - x1) * (y - y1) / (y2 - y1) + x1 {
            inside = !inside;
        }
    }
    inside
}

fn in_polygon(rings: &[Ring], p: Point) -> bool {
    match rings.split_first() {
        Some((outer, holes)) => {
            in_ring(outer, p)
                && !holes.iter().any(|h| in_ring(h, p) && !h.windows(2).any(|w| on_segment(w[0], w[1], p)))
        }
        None => false,
    }
}

fn on_segment(a: Point, b: Point, p: Point) -> bool {
    let cross = (b.0 - a.0) * (p.1 - a.1) - (b.1 - a.1) * (p.0 - a.0);
    cross == 0.0 && p.0 >= a.0.min(b.0) && p.0 <= a.0.max(b.0) && p.1 >= a.1.min(b.1) && p.1 <= a.1.max(b.1)
}

fn in_shape(s: &Shape, p: Point) -> bool {
    match s {
        Shape::Polygons(polys) => polys.iter().any(|rings| in_polygon(rings, p)),
        Shape::Points(ps) => ps.contains(&p),
        Shape::Lines(lines) => lines.iter().any(|l| l.windows(2).any(|w| on_segment(w[0], w[1], p))),
    }
}

fn edges(s: &Shape) -> Vec<(Point, Point)> {
    let mut out = Vec::new();
    let mut add = |line: &[Point]| out.extend(line.windows(2).map(|w| (w[0], w[1])));
    match s {
        Shape::Points(_) => {}
        Shape::Lines(lines) => lines.iter().for_each(|l| add(l)),
        Shape::Polygons(polys) => polys.iter().flatten().for_each(|r| add(r)),
    }
    out
}

fn segments_cross((a, b): (Point, Point), (c, d): (Point, Point)) -> bool {
    let orient = |p: Point, q: Point, r: Point| ((q.0 - p.0) * (r.1 - p.1) - (q.1 - p.1) * (r.0 - p.0)).signum();
    let (o1, o2, o3, o4) = (orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b));
    (o1 != o2 && o3 != o4) || on_segment(a, b, c) || on_segment(a, b, d) || on_segment(c, d, a) || on_segment(c, d, b)
}

fn contains(a: &Shape, b: &Shape) -> bool {
    if !matches!(a, Shape::Polygons(_)) {
        return vertices(b).iter().all(|p| in_shape(a, *p));
    }
    let inside = vertices(b).iter().all(|p| in_shape(a, *p));
    let b_edges = edges(b);
    let crossing = edges(a).iter().any(|ea| {
        b_edges.iter().any(|eb| {
            let orient = |p: Point, q: Point, r: Point| (q.0 - p.0) * (r.1 - p.1) - (q.1 - p.1) * (r.0 - p.0);
            let strictly = |e: (Point, Point), f: (Point, Point)| {
                orient(e.0, e.1, f.0) * orient(e.0, e.1, f.1) < 0.0
                    && orient(f.0, f.1, e.0) * orient(f.0, f.1, e.1) < 0.0
            };
            strictly(*ea, *eb)
        })
    });
    inside && !crossing
}

fn intersects(a: &Shape, b: &Shape) -> bool {
    vertices(b).iter().any(|p| in_shape(a, *p))
        || vertices(a).iter().any(|p| in_shape(b, *p))
        || edges(a).iter().any(|ea| edges(b).iter().any(|eb| segments_cross(*ea, *eb)))
}

fn relation(args: &mut Args, f: fn(&Shape, &Shape) -> bool) -> AqlResult<Value> {
    if !matches!(args.get(0), Value::Object(_)) {
        return Ok(type_mismatch(args, "expecting GeoJSON object"));
    }
    match (shape(args.get(0)), shape(args.get(1))) {
        (Some(Shape::Points(_) | Shape::Lines(_)), Some(_)) if args.name() == "GEO_CONTAINS" => {
            Ok(type_mismatch(args, "only Polygon and MultiPolygon types are valid as first argument"))
        }
        (Some(a), Some(b)) => Ok(Value::Bool(f(&a, &b))),
        _ => Ok(geo_error(args)),
    }
}

fn geo_equals(args: &mut Args) -> AqlResult<Value> {
    let normalized = |v: &Value| -> Option<Value> {
        if let Some((lon, lat)) = point(v) {
            return Some(Value::object([
                ("type", Value::str("Point")),
                ("coordinates", Value::Array(vec![Value::double(lon), Value::double(lat)])),
            ]));
        }
        shape(v)?;
        Some(Value::object([("type", v.get("type")?.clone()), ("coordinates", v.get("coordinates")?.clone())]))
    };
    if !matches!((args.get(0), args.get(1)), (Value::Object(_), Value::Object(_))) {
        return Ok(type_mismatch(args, "expecting GeoJSON object"));
    }
    match (normalized(args.get(0)), normalized(args.get(1))) {
        (Some(a), Some(b)) => Ok(Value::Bool(compare(&a, &b).is_eq())),
        _ => Ok(geo_error(args)),
    }
}

/// Area of a ring on the sphere (absolute, m²).
fn ring_area(ring: &[Point]) -> f64 {
    let sum: f64 = ring
        .windows(2)
        .map(|w| {
            let ((l1, p1), (l2, p2)) = (w[0], w[1]);
            (l2 - l1).to_radians() * (2.0 + p1.to_radians().sin() + p2.to_radians().sin())
        })
        .sum();
    (sum * EARTH_RADIUS_M * EARTH_RADIUS_M / 2.0).abs()
}

fn geo_area(args: &mut Args) -> AqlResult<Value> {
    check_ellipsoid(args, 1)?;
    match shape(args.get(0)) {
        Some(Shape::Polygons(polys)) => {
            let area: f64 = polys
                .iter()
                .map(|rings| {
                    let outer = rings.first().map(|r| ring_area(r)).unwrap_or(0.0);
                    outer - rings.iter().skip(1).map(|r| ring_area(r)).sum::<f64>()
                })
                .sum();
            Ok(Value::double(area))
        }
        Some(_) => Ok(Value::Int(0)),
        None => Ok(geo_error(args)),
    }
}

/// IS_IN_POLYGON(polygon, latitude, longitude) or IS_IN_POLYGON(polygon, [lat, lon],
/// geoJson): the polygon as `[lat, lon]` pairs (`[lon, lat]` when geoJson is true).
fn is_in_polygon(args: &mut Args) -> AqlResult<Value> {
    let (pair_given, geo_json) = (matches!(args.get(1), Value::Array(_)), args.flag(2, false));
    let p = if pair_given {
        args.get(1).as_array().and_then(|a| match a {
            [x, y] => Some((x.as_f64()?, y.as_f64()?)),
            _ => None,
        })
    } else {
        args.get(1).as_f64().zip(args.get(2).as_f64())
    };
    let swap = !(pair_given && geo_json);
    let Some(p) = p.map(|(a, b)| if swap { (b, a) } else { (a, b) }) else { return Ok(args.type_error()) };
    let ring: Option<Ring> = args
        .get(0)
        .as_array()
        .and_then(|pts| {
            pts.iter()
                .map(|q| match q.as_array()? {
                    [x, y] => Some((x.as_f64()?, y.as_f64()?)),
                    _ => None,
                })
                .collect()
        })
        .map(|r: Ring| r.into_iter().map(|(a, b)| if swap { (b, a) } else { (a, b) }).collect());
    let Some(mut ring) = ring.filter(|r| r.len() >= 3) else { return Ok(args.type_error()) };
    if ring.first() != ring.last() {
        if let Some(&first) = ring.first() {
            ring.push(first);
        }
    }
    Ok(Value::Bool(in_ring(&ring, p)))
}

fn geo_point(args: &mut Args) -> AqlResult<Value> {
    match (args.get(0), args.get(1)) {
        (Value::Int(_) | Value::Double(_), Value::Int(_) | Value::Double(_)) => {
            let coordinates = Value::Array(vec![args.take(0), args.take(1)]);
            Ok(Value::object([("type", Value::str("Point")), ("coordinates", coordinates)]))
        }
        _ => Ok(args.type_error()),
    }
}

/// A position: two or three numbers.
fn position(v: &Value) -> bool {
    matches!(v.as_array(), Some(items) if (2..=3).contains(&items.len()) && items.iter().all(|c| c.as_f64().is_some()))
}

fn shape_value(kind: &str, coordinates: Value) -> Value {
    Value::object([("type", Value::str(kind)), ("coordinates", coordinates)])
}

/// GEO_MULTIPOINT / GEO_LINESTRING: an array of at least two positions.
fn positions_shape(args: &mut Args, kind: &str) -> AqlResult<Value> {
    let Value::Array(items) = args.get(0) else { return Ok(args.array_expected()) };
    if items.len() < 2 {
        return Ok(type_mismatch(args, "at least two positions are needed"));
    }
    if !items.iter().all(position) {
        return Ok(type_mismatch(args, "not an array containing positions"));
    }
    Ok(shape_value(kind, args.take(0)))
}

fn geo_multilinestring(args: &mut Args) -> AqlResult<Value> {
    let Value::Array(lines) = args.get(0) else { return Ok(args.array_expected()) };
    if lines.is_empty() {
        return Ok(type_mismatch(args, "a MultiLineString needs at least one array of linestrings"));
    }
    let valid = lines.iter().all(|l| matches!(l.as_array(), Some(ps) if ps.len() > 1 && ps.iter().all(position)));
    if !valid {
        return Ok(type_mismatch(args, "not an array containing linestrings"));
    }
    Ok(shape_value("MultiLineString", args.take(0)))
}

/// A polygon's rings: one ring given as positions is wrapped; every ring needs at
/// least four positions and must be closed.
fn polygon_rings(v: &Value) -> Option<Value> {
    let items = v.as_array()?;
    let wrapped = if items.iter().any(position) { Value::Array(vec![v.clone()]) } else { v.clone() };
    rings(&wrapped)?;
    Some(wrapped)
}

fn geo_polygon(args: &mut Args) -> AqlResult<Value> {
    if !matches!(args.get(0), Value::Array(_)) {
        return Ok(args.array_expected());
    }
    match polygon_rings(args.get(0)) {
        Some(rings) => Ok(shape_value("Polygon", rings)),
        None => Ok(geo_error(args)),
    }
}

fn geo_multipolygon(args: &mut Args) -> AqlResult<Value> {
    let Value::Array(polygons) = args.get(0) else { return Ok(args.array_expected()) };
    if polygons.len() < 2 || !polygons.iter().all(|p| matches!(p, Value::Array(_))) {
        return Ok(type_mismatch(args, "a MultiPolygon needs at least two Polygons inside"));
    }
    let rings: Option<Vec<Value>> = polygons.iter().map(polygon_rings).collect();
    match rings {
        Some(rings) => Ok(shape_value("MultiPolygon", Value::Array(rings))),
        None => Ok(geo_error(args)),
    }
}
