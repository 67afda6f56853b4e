//! Round-trips of every structure per version, refused shapes, and the DateTime clocks.

use super::*;
use crate::packstream;

const V44: Version = Version::new(4, 4);
const V50: Version = Version::new(5, 0);
const V58: Version = Version::new(5, 8);

fn props() -> Dictionary {
    vec![("name".into(), "Ada".into()), ("born".into(), PackValue::Integer(1815))]
}

fn node(id: i64) -> Node {
    Node { id, labels: vec!["Person".into()], properties: props(), element_id: format!("4:db:{id}") }
}

fn rel(id: i64, start: i64, end: i64) -> Relationship {
    Relationship {
        id,
        start_node_id: start,
        end_node_id: end,
        rel_type: "KNOWS".into(),
        properties: vec![("since".into(), PackValue::Integer(2020))],
        element_id: format!("5:db:{id}"),
        start_node_element_id: format!("4:db:{start}"),
        end_node_element_id: format!("4:db:{end}"),
    }
}

fn field_count(value: &PackValue) -> usize {
    match value {
        PackValue::Structure { fields, .. } => fields.len(),
        _ => usize::MAX,
    }
}

/// Through the bytes, so the structure survives PackStream too.
fn wire(value: &PackValue) -> PackValue {
    packstream::decode_exact(&packstream::to_bytes(value).expect("encodable")).expect("decodable")
}

fn s(v: &str) -> PackValue {
    PackValue::String(v.into())
}

fn st(tag: u8, fields: Vec<PackValue>) -> PackValue {
    PackValue::Structure { tag, fields }
}

/// `n` with the element ids a 4.4 decode gives back.
fn legacy_ids(mut n: Node) -> Node {
    n.element_id = n.id.to_string();
    n
}

#[test]
fn node_shapes_per_version() {
    let n = node(7);
    for v in [V50, V58] {
        let packed = n.to_pack(v);
        assert_eq!(field_count(&packed), 4);
        assert_eq!(Node::from_pack(wire(&packed)), Ok(n.clone()));
    }
    let packed = n.to_pack(V44);
    assert_eq!(field_count(&packed), 3);
    assert_eq!(Node::from_pack(wire(&packed)), Ok(legacy_ids(n)));
}

#[test]
fn relationship_shapes_per_version() {
    let r = rel(3, 1, 2);
    let packed = r.to_pack(V58);
    assert_eq!(field_count(&packed), 8);
    assert_eq!(Relationship::from_pack(wire(&packed)), Ok(r.clone()));
    let packed = r.to_pack(V44);
    assert_eq!(field_count(&packed), 5);
    let decoded = Relationship::from_pack(wire(&packed)).expect("4.4 relationship");
    assert_eq!((decoded.id, decoded.start_node_id, decoded.end_node_id), (3, 1, 2));
    assert_eq!(
        (decoded.element_id.as_str(), decoded.start_node_element_id.as_str(), decoded.end_node_element_id.as_str()),
        ("3", "1", "2")
    );
    assert_eq!((decoded.rel_type, decoded.properties), (r.rel_type, r.properties));
}

#[test]
fn unbound_relationship_shapes_per_version() {
    let u = rel(3, 1, 2).unbound();
    let packed = u.to_pack(V50);
    assert_eq!(field_count(&packed), 4);
    assert_eq!(UnboundRelationship::from_pack(wire(&packed)), Ok(u.clone()));
    let packed = u.to_pack(V44);
    assert_eq!(field_count(&packed), 3);
    assert_eq!(UnboundRelationship::from_pack(wire(&packed)).map(|r| r.element_id), Ok("3".to_string()));
}

#[test]
fn graph_elements_refuse_bad_shapes() {
    let good = node(1).to_pack(V58);
    let PackValue::Structure { fields, .. } = good.clone() else { panic!("a structure") };
    assert_eq!(
        Node::from_pack(st(tag::NODE, fields[..2].to_vec())),
        Err(BoltError::WrongFieldCount { message: "Node", expected: 4, got: 2 })
    );
    let mut five = fields.clone();
    five.push(PackValue::Null);
    assert!(matches!(Node::from_pack(st(tag::NODE, five)), Err(BoltError::WrongFieldCount { got: 5, .. })));
    let mut bad_labels = fields.clone();
    bad_labels[1] = PackValue::List(vec![PackValue::Integer(1)]);
    assert_eq!(
        Node::from_pack(st(tag::NODE, bad_labels)),
        Err(BoltError::WrongFieldType { message: "Node", field: "labels", expected: "a list of strings" })
    );
    let mut bad_element_id = fields.clone();
    bad_element_id[3] = PackValue::Integer(1);
    assert_eq!(
        Node::from_pack(st(tag::NODE, bad_element_id)),
        Err(BoltError::WrongFieldType { message: "Node", field: "element_id", expected: "a string" })
    );
    assert!(matches!(Node::from_pack(st(tag::PATH, fields)), Err(BoltError::WrongFieldType { field: "tag", .. })));
    assert!(Node::from_pack(PackValue::Integer(1)).is_err());
    for count in [4, 6, 7, 9] {
        let r = st(tag::RELATIONSHIP, vec![PackValue::Integer(1); count]);
        assert!(matches!(Relationship::from_pack(r), Err(BoltError::WrongFieldCount { expected: 8, .. })));
    }
    let r = st(tag::RELATIONSHIP, vec![1.into(), 2.into(), s("x"), s("T"), PackValue::Dictionary(vec![])]);
    assert_eq!(
        Relationship::from_pack(r),
        Err(BoltError::WrongFieldType { message: "Relationship", field: "end_node_id", expected: "an integer" })
    );
    let u = st(tag::UNBOUND_RELATIONSHIP, vec![1.into(), s("T")]);
    assert!(matches!(UnboundRelationship::from_pack(u), Err(BoltError::WrongFieldCount { got: 2, .. })));
}

#[test]
fn path_from_a_walk_has_signed_indices() {
    // (a)-[10]->(b)<-[11]-(c)-[12]->(a)
    let (a, b, c) = (node(1), node(2), node(3));
    let steps = vec![(rel(10, 1, 2), b.clone()), (rel(11, 3, 2), c.clone()), (rel(12, 3, 1), a.clone())];
    let path = Path::from_walk(a.clone(), steps);
    assert_eq!(path.nodes, vec![a, b, c]);
    assert_eq!(path.relationships.iter().map(|r| r.id).collect::<Vec<_>>(), vec![10, 11, 12]);
    assert_eq!(path.indices, vec![1, 1, -2, 2, 3, 0]);
    assert_eq!(
        path.steps(),
        Ok(vec![
            PathStep { from: 0, relationship: 0, forward: true, to: 1 },
            PathStep { from: 1, relationship: 1, forward: false, to: 2 },
            PathStep { from: 2, relationship: 2, forward: true, to: 0 },
        ])
    );
    for (v, counts) in [(V58, (4, 4)), (V44, (3, 3))] {
        let packed = path.to_pack(v);
        let PackValue::Structure { tag: t, fields } = &packed else { panic!("a structure") };
        assert_eq!((*t, fields.len()), (tag::PATH, 3));
        let PackValue::List(nodes) = &fields[0] else { panic!("nodes") };
        let PackValue::List(rels) = &fields[1] else { panic!("relationships") };
        assert!(nodes.iter().all(|n| field_count(n) == counts.0));
        assert!(rels.iter().all(|r| field_count(r) == counts.1));
        let decoded = Path::from_pack(wire(&packed)).expect("path");
        assert_eq!(decoded.indices, path.indices);
        if v == V58 {
            assert_eq!(decoded, path);
        }
    }
}

#[test]
fn a_path_walking_one_relationship_twice_lists_it_once() {
    let (a, b) = (node(1), node(2));
    let path = Path::from_walk(a.clone(), vec![(rel(10, 1, 2), b.clone()), (rel(10, 1, 2), a.clone())]);
    assert_eq!((path.nodes.len(), path.relationships.len()), (2, 1));
    assert_eq!(path.indices, vec![1, 1, -1, 0]);
    let single = Path::from_walk(a, vec![]);
    assert_eq!((single.indices.len(), single.steps().map(|s| s.len())), (0, Ok(0)));
}

#[test]
fn path_indices_out_of_range_are_refused() {
    let good = Path::from_walk(node(1), vec![(rel(10, 1, 2), node(2))]);
    for indices in [vec![1], vec![0, 1], vec![2, 1], vec![-2, 1], vec![1, 2], vec![1, -1], vec![i64::MIN, 1]] {
        let bad = Path { indices: indices.clone(), ..good.clone() };
        assert!(Path::from_pack(bad.to_pack(V58)).is_err(), "indices {indices:?}");
    }
    let empty = Path { nodes: vec![], relationships: vec![], indices: vec![] };
    assert!(Path::from_pack(empty.to_pack(V58)).is_err());
    let PackValue::Structure { mut fields, .. } = good.to_pack(V58) else { panic!("a structure") };
    fields[2] = PackValue::List(vec![s("1"), 1.into()]);
    assert_eq!(
        Path::from_pack(st(tag::PATH, fields.clone())),
        Err(BoltError::WrongFieldType { message: "Path", field: "indices", expected: "a list of integers" })
    );
    fields[0] = PackValue::List(vec![PackValue::Integer(1)]);
    assert!(Path::from_pack(st(tag::PATH, fields)).is_err());
    assert!(matches!(
        Path::from_pack(st(tag::PATH, vec![])),
        Err(BoltError::WrongFieldCount { message: "Path", expected: 3, got: 0 })
    ));
}

fn round_trip(value: BoltValue, version: Version, utc_patch: bool) -> (PackValue, BoltValue) {
    let packed = value.to_pack(version, utc_patch).expect("encodable");
    let back = BoltValue::from_pack(wire(&packed)).expect("decodable");
    (packed, back)
}

#[test]
fn temporal_and_spatial_round_trips() {
    let values = [
        (BoltValue::Date(Date { days: 19_723 }), tag::DATE, 1),
        (BoltValue::Date(Date { days: -719_162 }), tag::DATE, 1),
        (BoltValue::Time(Time { nanoseconds: 43_200_000_000_123, tz_offset_seconds: -18_000 }), tag::TIME, 2),
        (BoltValue::LocalTime(LocalTime { nanoseconds: NANOS_PER_DAY - 1 }), tag::LOCAL_TIME, 1),
        (BoltValue::LocalDateTime(LocalDateTime { seconds: 1_704_110_400, nanoseconds: 5 }), tag::LOCAL_DATE_TIME, 2),
        (
            BoltValue::Duration(Duration { months: 14, days: -3, seconds: 3_600, nanoseconds: 1_500_000_000 }),
            tag::DURATION,
            4,
        ),
        (BoltValue::Point2D(Point2D { srid: 4326, x: 12.5, y: -45.25 }), tag::POINT_2D, 3),
        (BoltValue::Point3D(Point3D { srid: 9157, x: 1.0, y: 2.0, z: -3.5 }), tag::POINT_3D, 4),
    ];
    for (value, t, count) in values {
        for (version, patch) in [(V58, false), (V50, false), (V44, false), (V44, true)] {
            let (packed, back) = round_trip(value.clone(), version, patch);
            assert!(matches!(&packed, PackValue::Structure { tag, fields } if *tag == t && fields.len() == count));
            assert_eq!(back, value);
        }
    }
}

/// 2024-01-01T12:00:00+02:00: 10:00 UTC.
const UTC_SECONDS: i64 = 1_704_103_200;
const LOCAL_SECONDS: i64 = 1_704_110_400;

#[test]
fn date_time_with_offset_per_version_and_patch() {
    let dt = DateTime { seconds: UTC_SECONDS, nanoseconds: 250, tz_offset_seconds: 7_200 };
    let utc = st(tag::DATE_TIME, vec![UTC_SECONDS.into(), 250.into(), 7_200.into()]);
    let legacy = st(tag::LEGACY_DATE_TIME, vec![LOCAL_SECONDS.into(), 250.into(), 7_200.into()]);
    for (version, patch, expected) in [(V58, false, &utc), (V50, true, &utc), (V44, true, &utc), (V44, false, &legacy)]
    {
        let (packed, back) = round_trip(BoltValue::DateTime(dt), version, patch);
        assert_eq!(&packed, expected, "{version} utc={patch}");
        assert_eq!(back, BoltValue::DateTime(dt));
    }
    assert_eq!(DateTime::from_pack(legacy).map(|d| d.seconds), Ok(UTC_SECONDS));
    assert_eq!(DateTime::from_pack(utc).map(|d| d.seconds), Ok(UTC_SECONDS));
    let west = DateTime { seconds: UTC_SECONDS, nanoseconds: 0, tz_offset_seconds: -3_600 };
    assert_eq!(
        west.to_pack(false),
        Ok(st(tag::LEGACY_DATE_TIME, vec![(UTC_SECONDS - 3_600).into(), 0.into(), (-3_600).into()]))
    );
}

#[test]
fn date_time_with_zone_id_per_clock() {
    let zoned = DateTimeZoneId {
        seconds: UTC_SECONDS,
        clock: Clock::Utc,
        nanoseconds: 0,
        tz_id: "Europe/Helsinki".into(),
        offset_seconds: None,
    };
    let utc = st(tag::DATE_TIME_ZONE_ID, vec![UTC_SECONDS.into(), 0.into(), s("Europe/Helsinki")]);
    assert_eq!(zoned.to_pack(true), Ok(utc.clone()));
    assert_eq!(DateTimeZoneId::from_pack(utc), Ok(zoned.clone()));
    assert_eq!(zoned.to_pack(false), Err(BoltError::ZoneOffsetUnknown("Europe/Helsinki".into())));

    let known = DateTimeZoneId { offset_seconds: Some(7_200), ..zoned.clone() };
    let legacy = st(tag::LEGACY_DATE_TIME_ZONE_ID, vec![LOCAL_SECONDS.into(), 0.into(), s("Europe/Helsinki")]);
    assert_eq!(BoltValue::DateTimeZoneId(known.clone()).to_pack(V44, false), Ok(legacy.clone()));
    assert_eq!(BoltValue::DateTimeZoneId(known).to_pack(V44, true).map(|p| field_count(&p)), Ok(3));

    let decoded = DateTimeZoneId::from_pack(legacy).expect("legacy zoned");
    assert_eq!((decoded.seconds, decoded.clock, decoded.offset_seconds), (LOCAL_SECONDS, Clock::Local, None));
    assert_eq!(decoded.to_pack(false).map(|p| field_count(&p)), Ok(3));
    assert!(decoded.to_pack(true).is_err());
    let resolved = decoded.on_clock(Clock::Utc, 7_200).expect("in range");
    assert_eq!((resolved.seconds, resolved.clock), (UTC_SECONDS, Clock::Utc));
    assert_eq!(resolved.on_clock(Clock::Local, 7_200).map(|d| d.seconds), Some(LOCAL_SECONDS));
}

#[test]
fn temporal_fields_are_checked() {
    let bad = [
        st(tag::DATE, vec![]),
        st(tag::DATE, vec![s("2024-01-01")]),
        st(tag::TIME, vec![0.into()]),
        st(tag::TIME, vec![NANOS_PER_DAY.into(), 0.into()]),
        st(tag::TIME, vec![0.into(), (MAX_OFFSET_SECONDS + 1).into()]),
        st(tag::LOCAL_TIME, vec![(-1).into()]),
        st(tag::DATE_TIME, vec![0.into(), 0.into()]),
        st(tag::DATE_TIME, vec![0.into(), NANOS_PER_SECOND.into(), 0.into()]),
        st(tag::DATE_TIME, vec![0.into(), 0.into(), s("+02:00")]),
        st(tag::LEGACY_DATE_TIME, vec![i64::MIN.into(), 0.into(), 3_600.into()]),
        st(tag::DATE_TIME_ZONE_ID, vec![0.into(), 0.into(), 0.into()]),
        st(tag::LEGACY_DATE_TIME_ZONE_ID, vec![0.into(), 0.into()]),
        st(tag::LOCAL_DATE_TIME, vec![0.into(), PackValue::Float(0.0)]),
        st(tag::DURATION, vec![0.into(), 0.into(), 0.into()]),
        st(tag::POINT_2D, vec![4326.into(), 1.into(), 2.into()]),
        st(tag::POINT_3D, vec![4326.into(), PackValue::Float(1.0), PackValue::Float(2.0)]),
        st(tag::POINT_2D, vec![PackValue::Float(4326.0), PackValue::Float(1.0), PackValue::Float(2.0)]),
    ];
    for value in bad {
        assert!(BoltValue::from_pack(value.clone()).is_err(), "{value:?}");
    }
    assert_eq!(
        BoltValue::from_pack(st(tag::TIME, vec![0.into()])),
        Err(BoltError::WrongFieldCount { message: "Time", expected: 2, got: 1 })
    );
    assert_eq!(
        BoltValue::from_pack(st(tag::POINT_2D, vec![4326.into(), 1.into(), PackValue::Float(2.0)])),
        Err(BoltError::WrongFieldType { message: "Point2D", field: "x", expected: "a float" })
    );
    assert_eq!(BoltValue::from_pack(st(0x01, vec![])), Err(BoltError::UnknownStructure(0x01)));
}

#[test]
fn parameters_are_typed_through_lists_and_maps() {
    let params = PackValue::Dictionary(vec![
        ("when".into(), st(tag::LEGACY_DATE_TIME, vec![LOCAL_SECONDS.into(), 0.into(), 7_200.into()])),
        ("days".into(), PackValue::List(vec![st(tag::DATE, vec![1.into()]), PackValue::Null])),
        ("n".into(), node(1).to_pack(V44)),
        ("plain".into(), PackValue::Bytes(vec![1, 2])),
    ]);
    let typed = BoltValue::from_pack(wire(&params)).expect("parameters");
    let expected = BoltValue::Map(vec![
        (
            "when".into(),
            BoltValue::DateTime(DateTime { seconds: UTC_SECONDS, nanoseconds: 0, tz_offset_seconds: 7_200 }),
        ),
        ("days".into(), BoltValue::List(vec![BoltValue::Date(Date { days: 1 }), BoltValue::Null])),
        ("n".into(), BoltValue::Node(legacy_ids(node(1)))),
        ("plain".into(), BoltValue::Bytes(vec![1, 2])),
    ]);
    assert_eq!(typed, expected);
    let PackValue::Dictionary(out) = typed.to_pack(V58, false).expect("encodable") else { panic!("a map") };
    assert_eq!(out[0].1, st(tag::DATE_TIME, vec![UTC_SECONDS.into(), 0.into(), 7_200.into()]));
    assert_eq!(field_count(&out[2].1), 4);
    let nested = PackValue::List(vec![PackValue::List(vec![st(0x7A, vec![])])]);
    assert_eq!(BoltValue::from_pack(nested), Err(BoltError::UnknownStructure(0x7A)));
}
