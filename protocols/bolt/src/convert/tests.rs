//! Values to the wire per version and parameters back, with Bolt's documented structure
//! layouts as the expected shapes.

use super::*;

const V44: Version = Version::new(4, 4);
const V50: Version = Version::new(5, 0);

fn fields_of(value: &PackValue) -> (u8, &[PackValue]) {
    match value {
        PackValue::Structure { tag, fields } => (*tag, fields),
        other => panic!("not a structure: {other:?}"),
    }
}

fn node(id: u64) -> NodeValue {
    NodeValue { id, labels: vec!["Person".into()], properties: [("age".to_string(), Value::Int(42))].into() }
}

fn rel(id: u64, start: u64, end: u64) -> RelationshipValue {
    RelationshipValue { id, ty: "KNOWS".into(), start, end, properties: Map::new() }
}

#[test]
fn nodes_and_relationships_per_version() {
    let n = Encoding::new(V50, false).pack(&Value::Node(node(3))).expect("encodes");
    let (tag, fields) = fields_of(&n);
    assert_eq!(tag, 0x4E);
    assert_eq!(
        fields,
        &[
            PackValue::Integer(3),
            PackValue::List(vec!["Person".into()]),
            PackValue::Dictionary(vec![("age".into(), PackValue::Integer(42))]),
            "4:orbit:3".into(),
        ]
    );
    let n = Encoding::new(V44, false).pack(&Value::Node(node(3))).expect("encodes");
    assert_eq!(fields_of(&n).1.len(), 3);

    let r = Encoding::new(V50, false).pack(&Value::Relationship(rel(9, 3, 4))).expect("encodes");
    let (tag, fields) = fields_of(&r);
    assert_eq!(tag, 0x52);
    assert_eq!(fields.len(), 8);
    assert_eq!(&fields[..4], &[PackValue::Integer(9), PackValue::Integer(3), PackValue::Integer(4), "KNOWS".into()]);
    assert_eq!(&fields[5..], &["5:orbit:9".into(), "4:orbit:3".into(), "4:orbit:4".into()]);
    let r = Encoding::new(V44, false).pack(&Value::Relationship(rel(9, 3, 4))).expect("encodes");
    assert_eq!(fields_of(&r).1.len(), 5);
}

#[test]
fn a_path_that_comes_back_to_its_start() {
    // (1)-[5]->(2)-[6]->(1): two distinct nodes, two relationships.
    let path = PathValue { nodes: vec![node(1), node(2), node(1)], relationships: vec![rel(5, 1, 2), rel(6, 2, 1)] };
    let p = Encoding::new(V50, false).pack(&Value::Path(path)).expect("encodes");
    let (tag, fields) = fields_of(&p);
    assert_eq!(tag, 0x50);
    let [PackValue::List(nodes), PackValue::List(rels), PackValue::List(indices)] = fields else {
        panic!("three lists: {fields:?}")
    };
    assert_eq!((nodes.len(), rels.len()), (2, 2));
    assert_eq!(indices, &[1, 1, 2, 0].map(PackValue::Integer));
    assert!(rels.iter().all(|r| fields_of(r).0 == 0x72 && fields_of(r).1.len() == 4));

    let broken = PathValue { nodes: vec![node(1)], relationships: vec![rel(5, 1, 2)] };
    assert!(matches!(Encoding::new(V50, false).pack(&Value::Path(broken)), Err(ConvertError::Unencodable(_))));
}

#[test]
fn properties_of_elements_use_the_connection_encoding() {
    let mut n = node(1);
    let when = cv::DateTime { seconds: 100, nanos: 0, zone: Zone::Offset(60) };
    n.properties.insert("at".into(), Value::DateTime(when));
    let legacy = Encoding::new(V44, false).pack(&Value::Node(n.clone())).expect("encodes");
    let props = fields_of(&legacy).1.get(2).and_then(PackValue::as_dict).cloned().expect("properties");
    assert_eq!(crate::packstream::dict_get(&props, "at").map(|v| fields_of(v).0), Some(0x46));
    let utc = Encoding::new(V44, true).pack(&Value::Node(n)).expect("encodes");
    let props = fields_of(&utc).1.get(2).and_then(PackValue::as_dict).cloned().expect("properties");
    assert_eq!(crate::packstream::dict_get(&props, "at").map(|v| fields_of(v).0), Some(0x49));
}

#[test]
fn named_zones_in_either_clock() {
    let dt = cv::DateTime {
        seconds: 1_000_000,
        nanos: 7,
        zone: Zone::Named { name: "Europe/Paris".into(), offset_seconds: 3600 },
    };
    let utc = Encoding::new(V50, false).pack(&Value::DateTime(dt.clone())).expect("encodes");
    assert_eq!(
        utc,
        PackValue::Structure { tag: 0x69, fields: vec![1_000_000.into(), 7.into(), "Europe/Paris".into()] }
    );
    let legacy = Encoding::new(V44, false).pack(&Value::DateTime(dt)).expect("encodes");
    assert_eq!(
        legacy,
        PackValue::Structure { tag: 0x66, fields: vec![1_003_600.into(), 7.into(), "Europe/Paris".into()] }
    );
}

#[test]
fn too_deep_results_are_refused() {
    let mut v = Value::Int(0);
    for _ in 0..MAX_DEPTH + 1 {
        v = Value::List(vec![v]);
    }
    assert!(matches!(Encoding::new(V50, false).pack(&v), Err(ConvertError::Unencodable(_))));
}

fn param(value: PackValue) -> Result<Value, ConvertError> {
    parameters(vec![("p".into(), value)]).map(|mut m| m.remove("p").unwrap_or(Value::Null))
}

fn structure(tag: u8, fields: Vec<PackValue>) -> PackValue {
    PackValue::Structure { tag, fields }
}

#[test]
fn temporal_and_spatial_parameters() {
    assert_eq!(param(structure(0x44, vec![10.into()])).ok(), Some(Value::Date(cv::Date { days: 10 })));
    assert_eq!(
        param(structure(0x54, vec![1_000.into(), (-3600).into()])).ok(),
        Some(Value::Time(cv::Time { nanos: 1_000, offset_seconds: -3600 }))
    );
    assert_eq!(
        param(structure(0x64, vec![86_400.into(), 5.into()])).ok(),
        Some(Value::LocalDateTime(cv::LocalDateTime { seconds: 86_400, nanos: 5 }))
    );
    assert_eq!(
        param(structure(0x45, vec![1.into(), 2.into(), 3.into(), 4.into()])).ok(),
        Some(Value::Duration(cv::Duration { months: 1, days: 2, seconds: 3, nanos: 4 }))
    );
    assert_eq!(
        param(structure(0x49, vec![100.into(), 0.into(), 7200.into()])).ok(),
        Some(Value::DateTime(cv::DateTime { seconds: 100, nanos: 0, zone: Zone::Offset(7200) }))
    );
    // The legacy form carries local seconds: 100 UTC at +02:00 is 7300 local.
    assert_eq!(
        param(structure(0x46, vec![7300.into(), 0.into(), 7200.into()])).ok(),
        Some(Value::DateTime(cv::DateTime { seconds: 100, nanos: 0, zone: Zone::Offset(7200) }))
    );
    let point = structure(0x59, vec![9157.into(), PackValue::Float(1.0), PackValue::Float(2.0), PackValue::Float(3.0)]);
    assert_eq!(param(point).ok(), Some(Value::Point(cv::Point { srid: 9157, x: 1.0, y: 2.0, z: Some(3.0) })));
    let utc = param(structure(0x69, vec![100.into(), 0.into(), "UTC".into()])).ok();
    assert_eq!(
        utc,
        Some(Value::DateTime(cv::DateTime {
            seconds: 100,
            nanos: 0,
            zone: Zone::Named { name: "UTC".into(), offset_seconds: 0 }
        }))
    );
}

#[test]
fn graph_elements_and_unknown_structures_are_not_parameters() {
    let n = structure(0x4E, vec![1.into(), PackValue::List(vec![]), PackValue::Dictionary(vec![])]);
    assert!(matches!(param(n), Err(ConvertError::Invalid(_))));
    assert!(matches!(param(structure(0x33, vec![])), Err(ConvertError::Invalid(_))));
    assert!(matches!(param(structure(0x44, vec!["x".into()])), Err(ConvertError::Invalid(_))));
    let nested = PackValue::List(vec![PackValue::Dictionary(vec![("k".into(), structure(0x33, vec![]))])]);
    assert!(matches!(param(nested), Err(ConvertError::Invalid(_))));
}

#[test]
fn named_zone_parameters_take_the_zone_rules() {
    // 2024-07-01T10:30:00Z is 12:30 in Paris (summer time, +02:00).
    let instant = 1_719_829_800;
    let paris = Zone::Named { name: "Europe/Paris".into(), offset_seconds: 7200 };
    let expected = Value::DateTime(cv::DateTime { seconds: instant, nanos: 9, zone: paris });
    let utc_form = structure(0x69, vec![instant.into(), 9.into(), "Europe/Paris".into()]);
    assert_eq!(param(utc_form).ok(), Some(expected.clone()));
    let legacy_form = structure(0x66, vec![(instant + 7200).into(), 9.into(), "Europe/Paris".into()]);
    assert_eq!(param(legacy_form).ok(), Some(expected));
    // In January Paris is at +01:00.
    let winter = param(structure(0x69, vec![1_704_067_200.into(), 0.into(), "Europe/Paris".into()]));
    assert!(matches!(winter, Ok(Value::DateTime(cv::DateTime { zone: Zone::Named { offset_seconds: 3600, .. }, .. }))));
    let unknown = param(structure(0x69, vec![0.into(), 0.into(), "Mars/Olympus_Mons".into()]));
    assert!(matches!(unknown, Err(ConvertError::Cypher(_))), "{unknown:?}");
}
