//! Resolution and evaluation of the native functions, with the values and messages
//! Cassandra 4.1 gives.

use super::*;
use crate::error::ErrorCode;
use crate::model::value::{cql_cmp, uuid_timestamp};

fn typed(ty: CqlType, text: &str) -> Arg<'static> {
    Arg { ty: ArgType::Typed(ty), text: text.into() }
}

fn untyped() -> Arg<'static> {
    Arg { ty: ArgType::Untyped, text: "?".into() }
}

fn one(name: &str, arg: CqlType) -> Function {
    resolve(name, &[typed(arg, "x")], None).unwrap().unwrap()
}

fn call1(f: &Function, v: CqlValue) -> CqlResult<Option<CqlValue>> {
    f.call(&[Some(v)])
}

#[test]
fn blob_conversions_reinterpret_the_native_encoding() {
    let f = one("intasblob", CqlType::Int);
    assert_eq!((f.args.clone(), f.ret.clone()), (vec![CqlType::Int], CqlType::Blob));
    assert_eq!(call1(&f, CqlValue::Int(17)).unwrap(), Some(CqlValue::Blob(vec![0, 0, 0, 0x11])));
    assert_eq!(f.column_name(&["v".into()]), "system.intasblob(v)");
    let back = one("system.blobasint", CqlType::Blob);
    assert_eq!(
        call1(&back, CqlValue::Blob(vec![0xde, 0xad, 0xbe, 0xef])).unwrap(),
        Some(CqlValue::Int(0xdead_beef_u32 as i32))
    );
    // blobAsInt(0x) is Cassandra's way to write an empty int.
    assert_eq!(call1(&back, CqlValue::Blob(Vec::new())).unwrap(), Some(CqlValue::Empty));
    assert_eq!(back.call(&[None]).unwrap(), None);
    let e = call1(&one("blobasbigint", CqlType::Blob), CqlValue::Blob(vec![0, 0, 0, 0x7b])).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Invalid);
    assert_eq!(
        e.message(),
        "In call to function blobasbigint, value 0x0000007b is not a valid binary representation for type bigint"
    );
    let counter = one("counterasblob", CqlType::Counter);
    assert_eq!(call1(&counter, CqlValue::Counter(1000)).unwrap(), Some(CqlValue::Blob(1000i64.to_be_bytes().to_vec())));
    assert_eq!(one("varcharasblob", CqlType::Text).args, [CqlType::Text]);
    assert_eq!(one("blobasvarchar", CqlType::Blob).ret, CqlType::Text);
    assert_eq!(
        call1(&one("blobastimeuuid", CqlType::Blob), CqlValue::Blob(vec![0; 16])).unwrap_err().message(),
        format!(
            "In call to function blobastimeuuid, value 0x{} is not a valid binary representation for type timeuuid",
            "00".repeat(16)
        )
    );
    for name in ["blobasblob", "blobasblah", "intasblobs", "ks.intasblob"] {
        assert_eq!(resolve(name, &[untyped()], None).unwrap(), None, "{name}");
    }
}

#[test]
fn resolution_reports_arity_type_and_ambiguity_like_cassandra() {
    let e = resolve("intasblob", &[untyped(), untyped()], None).unwrap_err();
    assert_eq!(
        e.message(),
        "Invalid number of arguments in call to function system.intasblob: 1 required but 2 provided"
    );
    let e = resolve("counterasblob", &[typed(CqlType::Int, "i")], None).unwrap_err();
    assert_eq!(
        e.message(),
        "Type error: i cannot be passed as argument 0 of function system.counterasblob of type counter"
    );
    let e = resolve("bigintasblob", &[typed(CqlType::Counter, "c")], None).unwrap_err();
    assert!(e.message().contains("bigintasblob"), "a counter is not a bigint: {}", e.message());
    let e = resolve("mintimeuuid", &[typed(CqlType::Text, "s")], None).unwrap_err();
    assert!(e.message().ends_with("of type timestamp"), "{}", e.message());
    // A blob parameter takes any type; bigint and timestamp read each other.
    assert!(resolve("blobasint", &[typed(CqlType::Int, "blobasint(0xfeedf00d)")], None).is_ok());
    assert!(resolve("mintimeuuid", &[typed(CqlType::Bigint, "writetime(g)")], None).is_ok());
    let e = resolve("todate", &[untyped()], None).unwrap_err();
    assert_eq!(
        e.message(),
        "Ambiguous call to function system.todate (can be matched by following signatures: \
         system.todate : (timeuuid) -> date, system.todate : (timestamp) -> date): use type casts to disambiguate"
    );
    assert_eq!(resolve("todate", &[typed(CqlType::Timestamp, "t")], None).unwrap().unwrap().args, [CqlType::Timestamp]);
    // A string literal can be a date but not a timeuuid; an integer one a date too.
    let date = Literal::Str("2020-01-01".into());
    let f = resolve("totimestamp", &[Arg { ty: ArgType::Literal(&date), text: "'2020-01-01'".into() }], None);
    assert_eq!(f.unwrap().unwrap().args, [CqlType::Date]);
    let e = resolve("totimestamp", &[typed(CqlType::Int, "i")], None).unwrap_err();
    assert!(e.message().starts_with("Invalid call to function system.totimestamp, none of its type signatures match"));
    let e = resolve("tojson", &[untyped()], Some(&CqlType::Text)).unwrap_err();
    assert_eq!(e.message(), "toJson() may only be used within the selection clause of SELECT statements");
    let e = resolve("fromjson", &[untyped()], None).unwrap_err();
    assert_eq!(e.message(), "fromJson() cannot be used in the selection clause of a SELECT statement");
    assert_eq!(resolve("fromjson", &[untyped()], Some(&CqlType::Int)).unwrap().unwrap().ret, CqlType::Int);
}

#[test]
fn values_fit_where_their_bytes_read_unchanged() {
    assert_eq!(fit(&CqlType::Blob, &CqlType::Int), Fit::Weak);
    assert_eq!(fit(&CqlType::Text, &CqlType::Ascii), Fit::Weak);
    assert_eq!(fit(&CqlType::Ascii, &CqlType::Text), Fit::No);
    assert_eq!(fit(&CqlType::Uuid, &CqlType::Timeuuid), Fit::Weak);
    assert_eq!(fit(&CqlType::Bigint, &CqlType::Int), Fit::No);
    assert_eq!(fit(&CqlType::Int, &CqlType::Frozen(Box::new(CqlType::Int))), Fit::Exact);
    assert_eq!(coerce(CqlValue::Int(-2), &CqlType::Blob).unwrap(), CqlValue::Blob(vec![0xff, 0xff, 0xff, 0xfe]));
    assert_eq!(coerce(CqlValue::Bigint(5), &CqlType::Timestamp).unwrap(), CqlValue::Timestamp(5));
    assert_eq!(literal_fit(&Literal::Integer("3".into()), &CqlType::Int), Fit::Exact);
    assert_eq!(literal_fit(&Literal::Integer("3".into()), &CqlType::Tinyint), Fit::Weak);
    assert_eq!(literal_fit(&Literal::Integer("3".into()), &CqlType::Blob), Fit::No);
    assert_eq!(literal_fit(&Literal::Str("x".into()), &CqlType::Timeuuid), Fit::No);
    assert_eq!(literal_type(&Literal::Integer("3000000000".into())), Some(CqlType::Bigint));
    assert_eq!(literal_text(&Literal::Str("a".into())), "'a'");
}

#[test]
fn timeuuids_increase_and_convert_back_to_their_time() {
    let a = now_timeuuid();
    let b = now_timeuuid();
    assert_eq!(a[6] >> 4, 1, "version 1");
    assert!(uuid_timestamp(&b) > uuid_timestamp(&a));
    let to_unix = one("tounixtimestamp", CqlType::Timeuuid);
    for ms in [-1_706_638_779_000, -123, 123, 1_706_638_779_000] {
        let min = call1(&one("mintimeuuid", CqlType::Timestamp), CqlValue::Timestamp(ms)).unwrap().unwrap();
        let max = call1(&one("maxtimeuuid", CqlType::Timestamp), CqlValue::Timestamp(ms)).unwrap().unwrap();
        assert_eq!(call1(&to_unix, min.clone()).unwrap(), Some(CqlValue::Bigint(ms)));
        assert_eq!(call1(&to_unix, max.clone()).unwrap(), Some(CqlValue::Bigint(ms)));
        assert!(cql_cmp(&min, &max).is_lt());
        // Any other timeuuid of that millisecond sorts between the two.
        let CqlValue::Timeuuid(mut other) = min.clone() else { panic!() };
        other[3] = other[3].wrapping_add(1);
        other[8..].copy_from_slice(&[0x05; 8]);
        assert!(cql_cmp(&min, &CqlValue::Timeuuid(other)).is_lt());
        assert!(cql_cmp(&CqlValue::Timeuuid(other), &max).is_lt());
    }
    assert_eq!(call1(&one("mintimeuuid", CqlType::Timestamp), CqlValue::Empty).unwrap(), None);
    assert!(call1(&one("maxtimeuuid", CqlType::Timestamp), CqlValue::Timestamp(i64::MAX)).is_ok());
    let now = resolve("now", &[], None).unwrap().unwrap();
    assert_eq!(now.ret, CqlType::Timeuuid);
    assert!(matches!(now.call(&[]).unwrap(), Some(CqlValue::Timeuuid(_))));
}

#[test]
fn dates_timestamps_and_unix_milliseconds() {
    let day = 86_400_000;
    let to_date = resolve("todate", &[typed(CqlType::Timestamp, "t")], None).unwrap().unwrap();
    assert_eq!(call1(&to_date, CqlValue::Timestamp(day * 2 + 5)).unwrap(), Some(CqlValue::Date((1 << 31) + 2)));
    // Cassandra's Duration.toDays truncates toward zero.
    assert_eq!(call1(&to_date, CqlValue::Timestamp(-1)).unwrap(), Some(CqlValue::Date(1 << 31)));
    let to_ts = resolve("totimestamp", &[typed(CqlType::Date, "d")], None).unwrap().unwrap();
    assert_eq!(call1(&to_ts, CqlValue::Date((1 << 31) + 1)).unwrap(), Some(CqlValue::Timestamp(day)));
    assert_eq!(call1(&to_ts, CqlValue::Date((1 << 31) - 1)).unwrap(), Some(CqlValue::Timestamp(-day)));
    // 2014-10-17 21:27:39.541 UTC (the v1 uuid's 100 ns ticks since 1582).
    let u = crate::exec::literal::parse_uuid("6bddc89a-5644-11e4-97fc-56847afe9799").unwrap();
    let date_of = one("dateof", CqlType::Timeuuid);
    assert_eq!(call1(&date_of, CqlValue::Timeuuid(u)).unwrap(), Some(CqlValue::Timestamp(1_413_581_259_541)));
    let unix = one("unixtimestampof", CqlType::Timeuuid);
    assert_eq!(call1(&unix, CqlValue::Timeuuid(u)).unwrap(), Some(CqlValue::Bigint(1_413_581_259_541)));
}

#[test]
fn json_functions_fail_like_cassandra() {
    let to_json = json::to_json_function(&CqlType::Int);
    assert_eq!(to_json.column_name(&["v".into()]), "system.tojson(v)");
    assert_eq!(call1(&to_json, CqlValue::Int(17)).unwrap(), Some(CqlValue::Text("17".into())));
    assert_eq!(to_json.call(&[None]).unwrap(), Some(CqlValue::Text("null".into())));
    let from_json = resolve("fromjson", &[untyped()], Some(&CqlType::Int)).unwrap().unwrap();
    assert_eq!(call1(&from_json, CqlValue::Text("123123".into())).unwrap(), Some(CqlValue::Int(123_123)));
    assert_eq!(call1(&from_json, CqlValue::Text("null".into())).unwrap(), None);
    let e = call1(&from_json, CqlValue::Text("\"dog\"".into())).unwrap_err();
    assert_eq!(e.code(), ErrorCode::FunctionFailure);
    assert_eq!(e.message(), "org.apache.cassandra.serializers.MarshalException: Unable to make int from 'dog'");
    let CqlError::FunctionFailure { keyspace, function, arg_types, .. } = e else { panic!() };
    assert_eq!((keyspace.as_str(), function.as_str(), arg_types), ("system", "fromjson", vec!["text".to_string()]));
    let e = call1(&from_json, CqlValue::Text("dog".into())).unwrap_err();
    assert_eq!(e.code(), ErrorCode::FunctionFailure);
    assert!(e
        .message()
        .starts_with("execution of 'system.fromjson[text]' failed: Could not decode JSON string 'dog': "));
}

fn cast_of(from: CqlType, to: CqlType) -> Function {
    cast::cast_function("x", &from, &to).unwrap().unwrap()
}

#[test]
fn casts_convert_as_javas_numbers_do() {
    let v: num_bigint::BigInt = "32767456456456456456545678943512357658768763546575675".parse().unwrap();
    let big = CqlValue::Varint(v.clone());
    let cast = |to: CqlType| call1(&cast_of(CqlType::Varint, to), big.clone()).unwrap().unwrap();
    // Narrowing keeps the low bits (Python's signed(v, bits)).
    assert_eq!(cast(CqlType::Tinyint), CqlValue::Tinyint(59));
    assert_eq!(cast(CqlType::Smallint), CqlValue::Smallint(9019));
    assert_eq!(cast(CqlType::Int), CqlValue::Int(-1_446_698_181));
    assert_eq!(cast(CqlType::Bigint), CqlValue::Bigint(-4_832_518_953_173_179_589));
    assert_eq!(cast(CqlType::Float), CqlValue::Float(f32::INFINITY));
    assert_eq!(cast(CqlType::Double), CqlValue::Double(3.2767456456456457e52));
    assert_eq!(cast(CqlType::Decimal), CqlValue::Decimal { unscaled: v.clone(), scale: 0 });
    assert_eq!(cast(CqlType::Text), CqlValue::Text(v.to_string()));
    assert_eq!(cast(CqlType::Ascii), CqlValue::Ascii(v.to_string()));
    let counter = |to: CqlType| call1(&cast_of(CqlType::Counter, to), CqlValue::Counter(1000)).unwrap().unwrap();
    assert_eq!(counter(CqlType::Tinyint), CqlValue::Tinyint(-24));
    assert_eq!(counter(CqlType::Float), CqlValue::Float(1000.0));
    assert_eq!(counter(CqlType::Text), CqlValue::Text("1000".into()));
    let double = |f: f64, to: CqlType| call1(&cast_of(CqlType::Double, to), CqlValue::Double(f)).unwrap().unwrap();
    assert_eq!(double(1e20, CqlType::Int), CqlValue::Int(i32::MAX));
    assert_eq!(double(-1.9, CqlType::Bigint), CqlValue::Bigint(-1));
    assert_eq!(double(f64::NAN, CqlType::Int), CqlValue::Int(0));
    assert_eq!(double(0.1, CqlType::Decimal), CqlValue::Decimal { unscaled: 1.into(), scale: 1 });
    assert_eq!(double(-31415926535897932384.0, CqlType::Text), CqlValue::Text("-3.141592653589793E19".into()));
    let pi = call1(&cast_of(CqlType::Float, CqlType::Text), CqlValue::Float(std::f32::consts::PI)).unwrap();
    assert_eq!(pi, Some(CqlValue::Text("3.1415927".into())));
    let decimal = |u: i64, s: i32, to: CqlType| {
        call1(&cast_of(CqlType::Decimal, to), CqlValue::Decimal { unscaled: u.into(), scale: s }).unwrap().unwrap()
    };
    assert_eq!(decimal(19, 1, CqlType::Int), CqlValue::Int(1));
    assert_eq!(decimal(-19, 1, CqlType::Varint), CqlValue::Varint((-1).into()));
    assert_eq!(decimal(7, i32::MAX, CqlType::Bigint), CqlValue::Bigint(0));
    // 7E+64 keeps its low 64 bits, as BigDecimal.longValue does.
    let ten = num_bigint::BigInt::from(10);
    let low: num_bigint::BigInt = (num_bigint::BigInt::from(7) * ten.pow(64)) % (num_bigint::BigInt::from(1) << 64);
    assert_eq!(decimal(7, -64, CqlType::Bigint), CqlValue::Bigint(low.to_string().parse::<u64>().unwrap() as i64));
    assert_eq!(decimal(15, 1, CqlType::Double), CqlValue::Double(1.5));
    assert_eq!(call1(&cast_of(CqlType::Int, CqlType::Bigint), CqlValue::Empty).unwrap(), None);
}

#[test]
fn casts_to_text_and_between_times() {
    let text = |from: CqlType, v: CqlValue| call1(&cast_of(from, CqlType::Text), v).unwrap().unwrap();
    assert_eq!(
        text(CqlType::Timestamp, CqlValue::Timestamp(1_388_578_545_000)),
        CqlValue::Text("2014-01-01T12:15:45.000Z".into())
    );
    assert_eq!(text(CqlType::Date, CqlValue::Date((1 << 31) + 18_597)), CqlValue::Text("2020-12-01".into()));
    assert_eq!(text(CqlType::Time, CqlValue::Time(123)), CqlValue::Text("00:00:00.000000123".into()));
    assert_eq!(text(CqlType::Boolean, CqlValue::Boolean(true)), CqlValue::Text("true".into()));
    assert_eq!(text(CqlType::Inet, CqlValue::Inet("::1".parse().unwrap())), CqlValue::Text("0:0:0:0:0:0:0:1".into()));
    assert_eq!(text(CqlType::Ascii, CqlValue::Ascii("a".into())), CqlValue::Text("a".into()));
    let to_date = cast_of(CqlType::Timestamp, CqlType::Date);
    assert_eq!(to_date.column_name(&["ts".into()]), "cast(ts as date)");
    assert_eq!(call1(&to_date, CqlValue::Timestamp(86_400_000 * 3)).unwrap(), Some(CqlValue::Date((1 << 31) + 3)));
    assert_eq!(cast::cast_function("p", &CqlType::Int, &CqlType::Int).unwrap(), None);
    let e = cast::cast_function("v", &CqlType::Int, &CqlType::Blob).unwrap_err();
    assert_eq!(e.message(), "v cannot be cast to blob");
    let e = cast::cast_function("v", &CqlType::Int, &CqlType::Counter).unwrap_err();
    assert_eq!(e.message(), "v cannot be cast to counter");
    let e = cast::cast_function("v", &CqlType::Varint, &CqlType::Date).unwrap_err();
    assert!(e.message().starts_with("Invalid call to function system.castasdate, none of its type signatures match"));
    let e = cast::cast_function("s", &CqlType::Text, &CqlType::Int).unwrap_err();
    assert!(e.message().starts_with("Invalid call to function system.castasint"), "{}", e.message());
}

#[test]
fn every_native_type_converts_to_a_blob_and_back() {
    let names = [
        "ascii",
        "bigint",
        "boolean",
        "counter",
        "date",
        "decimal",
        "double",
        "duration",
        "float",
        "inet",
        "int",
        "smallint",
        "text",
        "time",
        "timestamp",
        "timeuuid",
        "tinyint",
        "uuid",
        "varchar",
        "varint",
    ];
    for name in names {
        let ty = CqlType::from_native_name(name).unwrap();
        let to = one(&format!("{name}asblob"), ty.clone());
        let from = one(&format!("blobas{name}"), CqlType::Blob);
        assert_eq!((to.ret.clone(), from.ret.clone()), (CqlType::Blob, ty.clone()), "{name}");
        let value = crate::exec::translate::sample(&ty);
        let blob = call1(&to, value.clone()).unwrap().unwrap();
        assert_eq!(blob, CqlValue::Blob(value.to_native()), "{name}");
        assert_eq!(call1(&from, blob).unwrap(), Some(value), "{name}");
    }
}
