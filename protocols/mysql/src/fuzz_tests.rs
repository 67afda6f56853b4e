//! Deterministic fuzzing of every decoder on the path from the socket to the engine:
//! framing, the handshake response, command packets, COM_STMT_EXECUTE's parameters and
//! the conversion of decoded parameters into engine values. Inputs are valid packets,
//! all their truncations, random mutations and hand-made hostile lengths, counts and
//! type bytes; each must give a value or an error, never a panic (a panic names the
//! input that caused it).

use crate::wire::client::{encode_change_user, encode_execute_params, encode_handshake_response};
use crate::wire::consts::*;
use crate::wire::test_rng::XorShift;
use crate::wire::{
    decode_execute_params, ChangeUser, ColumnType as T, Command, Framer, HandshakeResponse, WireError, WireValue,
};
use bytes::BytesMut;
use orbit_sql::SqlType;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `f` on `input`; a panic fails the test naming the decoder and the input.
fn no_panic<R>(what: &str, input: &[u8], f: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => panic!("{what} panicked on input {input:02x?}"),
    }
}

const ALL_TYPES: [T; 26] = [
    T::Decimal,
    T::Tiny,
    T::Short,
    T::Long,
    T::Float,
    T::Double,
    T::Null,
    T::Timestamp,
    T::LongLong,
    T::Int24,
    T::Date,
    T::Time,
    T::DateTime,
    T::Year,
    T::VarChar,
    T::Bit,
    T::Json,
    T::NewDecimal,
    T::Enum,
    T::Set,
    T::TinyBlob,
    T::MediumBlob,
    T::LongBlob,
    T::Blob,
    T::VarString,
    T::String,
];

/// What a prepared statement's parameters may be described as by the engine.
fn targets() -> Vec<SqlType> {
    vec![
        SqlType::Unknown,
        SqlType::Bool,
        SqlType::Int2,
        SqlType::Int4,
        SqlType::Int8,
        SqlType::Float8,
        SqlType::Numeric,
        SqlType::Text,
        SqlType::Varchar,
        SqlType::Bytea,
        SqlType::Date,
        SqlType::Time,
        SqlType::Timestamp,
        SqlType::Json,
    ]
}

/// A valid value of `ty` (NULL now and then).
fn sample(rng: &mut XorShift, ty: T) -> WireValue {
    if matches!(rng.next() % 7, 0) {
        return WireValue::Null;
    }
    let r = rng.next();
    match ty {
        T::Tiny | T::Short | T::Long | T::Int24 | T::LongLong | T::Year => WireValue::Int((r % 100) as i64),
        T::Float => WireValue::Float(r as u16 as f32),
        T::Double => WireValue::Double(r as u32 as f64),
        T::Null => WireValue::Null,
        T::Date => WireValue::Date { year: 2024, month: 2, day: 29 },
        T::DateTime | T::Timestamp => {
            WireValue::DateTime { year: 2024, month: 2, day: 29, hour: 1, minute: 2, second: 3, micros: 4 }
        }
        T::Time => WireValue::Time { negative: r & 1 == 0, days: 1, hours: 2, minutes: 3, seconds: 4, micros: 5 },
        _ => WireValue::Bytes(rng.bytes(300)),
    }
}

/// A COM_STMT_EXECUTE packet (header and parameters) for `types`.
fn execute_packet(rng: &mut XorShift, types: &[(T, bool)]) -> Vec<u8> {
    let values: Vec<WireValue> = types.iter().map(|&(t, _)| sample(rng, t)).collect();
    let mut packet = vec![COM_STMT_EXECUTE, 1, 0, 0, 0, 0, 1, 0, 0, 0];
    packet.extend(encode_execute_params(types, &values, true, &[]).expect("valid parameters"));
    packet
}

/// Parses an execute packet as the connection does and, when its parameters decode,
/// converts each into every engine type.
fn run_execute(packet: &[u8], num_params: usize, previous: Option<&[(T, bool)]>, long: &HashMap<u16, Vec<u8>>) {
    no_panic("COM_STMT_EXECUTE", packet, || {
        let Ok(Command::StmtExecute { rest, .. }) = Command::parse(packet, CLIENT_PROTOCOL_41) else { return };
        if let Ok((values, _)) = decode_execute_params(&rest, num_params, previous, long) {
            assert_eq!(values.len(), num_params);
            for v in &values {
                for target in targets() {
                    let _ = crate::values::param_value(v, &target);
                }
            }
        }
    });
}

#[test]
fn execute_truncations_mutations_and_wrong_counts() {
    let mut rng = XorShift::new(0x5eed_0001);
    let none = HashMap::new();
    let mut cases = 0;
    for round in 0..60 {
        let n = 1 + (rng.next() % 20) as usize;
        let types: Vec<(T, bool)> = (0..n)
            .map(|_| (ALL_TYPES[(rng.next() % ALL_TYPES.len() as u64) as usize], rng.next() & 1 == 0))
            .collect();
        let valid = execute_packet(&mut rng, &types);
        // Every truncation of a valid packet: the parameters are an error, never a panic.
        for cut in 0..valid.len() {
            let short = &valid[..cut];
            run_execute(short, n, None, &none);
            if let Ok(Command::StmtExecute { rest, .. }) = Command::parse(short, CLIENT_PROTOCOL_41) {
                assert!(decode_execute_params(&rest, n, None, &none).is_err(), "cut at {cut} of {valid:02x?} decoded");
            }
            cases += 1;
        }
        // Parameter counts that disagree with the packet.
        for count in [0, n - 1, n + 1, n * 8, 255, 65535, 1 << 20, usize::MAX / 2, usize::MAX] {
            run_execute(&valid, count, Some(&types), &none);
            cases += 1;
        }
        // Random mutations, with and without previously bound types and long data.
        let mut long = HashMap::new();
        long.insert((rng.next() % (n as u64 + 3)) as u16, rng.bytes(50));
        long.insert(u16::MAX, b"out of range".to_vec());
        for i in 0..300 {
            let bytes = rng.mutate(&valid);
            let prev = (i % 2 == 0).then_some(&types[..]);
            run_execute(&bytes, n, prev, if round % 2 == 0 { &long } else { &none });
            cases += 1;
        }
    }
    assert!(cases > 20_000, "{cases}");
}

#[test]
fn execute_with_hostile_lengths_and_type_bytes() {
    let none = HashMap::new();
    let header = [COM_STMT_EXECUTE, 1, 0, 0, 0, 0, 1, 0, 0, 0];
    // One string parameter whose length-encoded length is huge (0xFC, 0xFD, 0xFE + 8 bytes).
    for length in [
        vec![0xFC, 0xFF, 0xFF],
        vec![0xFD, 0xFF, 0xFF, 0xFF],
        vec![0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        vec![0xFE, 0, 0, 0, 0, 1, 0, 0, 0],
        vec![0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
        vec![0xFE, 1],
        vec![0xFB],
        vec![0xFF],
    ] {
        for ty in [T::VarString, T::Blob, T::NewDecimal, T::Json, T::Geometry] {
            let mut packet = header.to_vec();
            packet.extend([0x00, 0x01, ty as u8, 0x00]);
            packet.extend(&length);
            packet.extend(b"abc");
            run_execute(&packet, 1, None, &none);
            let rest = &packet[header.len()..];
            assert!(decode_execute_params(rest, 1, None, &none).is_err(), "{packet:02x?}");
        }
    }
    // Every type byte (most are not MySQL types) with every flags byte, followed by junk.
    let mut rng = XorShift::new(0x5eed_0002);
    for code in 0..=255u8 {
        for flags in [0x00, 0x80, 0x7F, 0xFF] {
            let mut packet = header.to_vec();
            packet.extend([0x00, 0x01, code, flags]);
            packet.extend(rng.bytes(16));
            run_execute(&packet, 1, None, &none);
            if T::from_u8(code).is_none() {
                let rest = &packet[header.len()..];
                assert!(matches!(decode_execute_params(rest, 1, None, &none), Err(WireError::Malformed(_))));
            }
        }
    }
    // Temporal values at and past their limits: TIME with u32::MAX days, DATETIME with
    // bytes that are no date.
    for value in [
        vec![12, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        vec![8, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        vec![8, 0, 35, 0, 0, 0, 0, 0, 0],
    ] {
        let mut packet = header.to_vec();
        packet.extend([0x00, 0x01, T::Time as u8, 0x00]);
        packet.extend(&value);
        run_execute(&packet, 1, None, &none);
    }
    for code in [T::Date, T::DateTime, T::Timestamp] {
        let mut packet = header.to_vec();
        packet.extend([0x00, 0x01, code as u8, 0x00]);
        packet.extend([11, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        run_execute(&packet, 1, None, &none);
    }
    // Floats that are NaN and infinities.
    for bits in [f64::NAN.to_bits(), f64::INFINITY.to_bits(), f64::NEG_INFINITY.to_bits(), u64::MAX] {
        let mut packet = header.to_vec();
        packet.extend([0x00, 0x01, T::Double as u8, 0x00]);
        packet.extend(bits.to_le_bytes());
        run_execute(&packet, 1, None, &none);
    }
}

#[test]
fn handshake_responses_with_lengths_past_the_end() {
    let caps = CLIENT_PROTOCOL_41
        | CLIENT_SECURE_CONNECTION
        | CLIENT_PLUGIN_AUTH
        | CLIENT_CONNECT_ATTRS
        | CLIENT_CONNECT_WITH_DB
        | CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA;
    let server_caps = crate::handshake::server_capabilities(true);
    let valid = encode_handshake_response(&HandshakeResponse {
        client_capabilities: caps,
        max_packet_size: 1 << 24,
        charset: 45,
        username: "root".into(),
        auth_response: vec![7; 20],
        database: Some("d".into()),
        auth_plugin: Some("mysql_native_password".into()),
        attributes: vec![("_os".into(), "linux".into()), ("_pid".into(), "1".into())],
        ..HandshakeResponse::default()
    });
    let parse = |bytes: &[u8]| no_panic("HandshakeResponse", bytes, || HandshakeResponse::parse(bytes, server_caps));
    assert!(parse(&valid).is_ok());
    for cut in 0..valid.len() {
        let _ = parse(&valid[..cut]);
    }
    // The auth response, then the attributes, declaring lengths past the end.
    let fixed = &valid[..32];
    for auth in [
        vec![0xFC, 0xFF, 0xFF, 1],
        vec![0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        vec![0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 1, 2],
        vec![0x14, 1, 2, 3],
    ] {
        let mut bytes = fixed.to_vec();
        bytes.extend(b"root\0");
        bytes.extend(&auth);
        assert!(parse(&bytes).is_err(), "{bytes:02x?}");
    }
    for attrs in [
        vec![0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        vec![0x05, 0x03, b'k', b'e', b'y', 0xFC],
        vec![0x04, 0xFE, 0xFF, 0xFF, 0xFF],
        vec![0x03, 0x01, b'k', 0x09],
    ] {
        let mut bytes = fixed.to_vec();
        bytes.extend(b"root\0\x00d\0mysql_native_password\0");
        bytes.extend(&attrs);
        assert!(parse(&bytes).is_err(), "{bytes:02x?}");
    }
    // Without CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA: a one-byte length past the end.
    let mut bytes = encode_handshake_response(&HandshakeResponse {
        client_capabilities: caps & !CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA,
        username: "u".into(),
        ..HandshakeResponse::default()
    });
    bytes.truncate(32 + 2);
    bytes.extend([0xFF, 1, 2]);
    assert!(parse(&bytes).is_err());
    let mut rng = XorShift::new(0x5eed_0003);
    for i in 0..20_000 {
        let bytes = if i % 4 == 0 { rng.bytes(120) } else { rng.mutate(&valid) };
        let server = if i % 3 == 0 { rng.next() as u32 } else { server_caps };
        let _ = no_panic("HandshakeResponse", &bytes, || HandshakeResponse::parse(&bytes, server));
    }
}

#[test]
fn every_command_with_random_arguments() {
    let mut rng = XorShift::new(0x5eed_0004);
    let change_user = encode_change_user(
        &ChangeUser {
            user: "u".into(),
            auth_response: vec![1; 20],
            database: Some("d".into()),
            charset: Some(45),
            plugin: Some("mysql_native_password".into()),
            attrs: vec![("k".into(), "v".into())],
        },
        u32::MAX,
    );
    for cut in 0..change_user.len() {
        let _ = no_panic("COM_CHANGE_USER", &change_user[..cut], || Command::parse(&change_user[..cut], u32::MAX));
    }
    for code in 0..=255u8 {
        for _ in 0..100 {
            let mut bytes = vec![code];
            bytes.extend(rng.bytes(40));
            let caps = rng.next() as u32;
            let _ = no_panic("Command::parse", &bytes, || Command::parse(&bytes, caps));
        }
    }
    for _ in 0..10_000 {
        let bytes = rng.mutate(&change_user);
        let _ = no_panic("COM_CHANGE_USER", &bytes, || Command::parse(&bytes, u32::MAX));
    }
    // COM_FIELD_LIST with a table name running to the end, and not UTF-8.
    assert!(Command::parse(&[COM_FIELD_LIST, 0xFF, 0xFE], 0).is_err());
    assert!(Command::parse(&[COM_FIELD_LIST], 0).is_ok());
}

#[test]
fn framing_of_random_streams_stays_within_max_allowed_packet() {
    let mut rng = XorShift::new(0x5eed_0005);
    for i in 0..5_000 {
        let max = 1 + (rng.next() % 64) as usize;
        let mut framer = Framer::with_chunk_size(max, 1 + (rng.next() % 16) as usize);
        let mut stream = rng.bytes(200);
        if i % 2 == 0 {
            // A header declaring the largest length a packet can have.
            stream.splice(0..0, [0xFF, 0xFF, 0xFF, 0]);
        }
        let mut buf = BytesMut::from(&stream[..]);
        no_panic("Framer::decode", &stream, || {
            while let Ok(Some((_, payload))) = framer.decode(&mut buf) {
                assert!(payload.len() <= max, "payload of {} bytes with max_allowed_packet {max}", payload.len());
            }
        });
    }
}

#[test]
fn temporal_parameters_at_the_edges_of_their_fields() {
    let edges8 = [0u8, 1, 12, 13, 23, 24, 31, 32, 59, 60, 99, 255];
    let edges16 = [0u16, 1, 999, 1000, 9999, 10000, u16::MAX];
    let edges32 = [0u32, 1, 34, 35, 999_999, 1_000_000, u32::MAX];
    let mut cases = 0;
    let mut convert = |v: WireValue| {
        for target in targets() {
            let input = format!("{v:?} as {target:?}");
            no_panic("param_value", input.as_bytes(), || crate::values::param_value(&v, &target)).ok();
        }
        cases += 1;
    };
    for &year in &edges16 {
        for &month in &edges8 {
            for &day in &edges8 {
                convert(WireValue::Date { year, month, day });
                let (hour, minute, second) = (day, month, day);
                for &micros in &edges32 {
                    convert(WireValue::DateTime { year, month, day, hour, minute, second, micros });
                }
            }
        }
    }
    for &days in &edges32 {
        for &hours in &edges8 {
            for &minutes in &edges8 {
                for &micros in &edges32 {
                    // Through the decoder, as a client would send it.
                    let mut bytes = vec![12, u8::from(minutes & 1 == 1)];
                    bytes.extend(days.to_le_bytes());
                    bytes.extend([hours, minutes, minutes]);
                    bytes.extend(micros.to_le_bytes());
                    let v = crate::wire::value::read_binary_value(&mut crate::wire::Cursor::new(&bytes), T::Time, false);
                    convert(v.expect("a well-formed TIME"));
                }
            }
        }
    }
    assert!(cases > 10_000, "{cases}");
}
