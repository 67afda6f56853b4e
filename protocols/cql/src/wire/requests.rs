//! Request bodies (spec section 4.1) decoded into the engine's types. v4 and v5 differ
//! in the width of the query flags (a byte vs an int), in EXECUTE's result metadata id
//! and in the v5-only flags (keyspace, now_in_seconds).

use super::body::BodyReader;
use crate::engine::{BatchKind, BatchRequest, BatchStatement, BoundValue, QueryParams, Values};
use crate::error::{CqlError, CqlResult};
use bytes::Bytes;

mod query_flags {
    pub const VALUES: u32 = 0x01;
    pub const SKIP_METADATA: u32 = 0x02;
    pub const PAGE_SIZE: u32 = 0x04;
    pub const PAGING_STATE: u32 = 0x08;
    pub const SERIAL_CONSISTENCY: u32 = 0x10;
    pub const DEFAULT_TIMESTAMP: u32 = 0x20;
    pub const NAMES_FOR_VALUES: u32 = 0x40;
    pub const KEYSPACE: u32 = 0x80;
    pub const NOW_IN_SECONDS: u32 = 0x100;
}

#[derive(Debug, PartialEq)]
pub enum Request {
    Startup(Vec<(String, String)>),
    Options,
    AuthResponse(Option<Bytes>),
    Register(Vec<String>),
    Query { text: String, params: QueryParams },
    Prepare { text: String, keyspace: Option<String> },
    Execute { id: Bytes, params: QueryParams },
    Batch(BatchRequest),
}

pub fn decode(version: u8, opcode: u8, body: Bytes) -> CqlResult<Request> {
    use super::envelope::opcode::*;
    let mut r = BodyReader::new(body);
    let request = match opcode {
        STARTUP => Request::Startup(r.string_map()?),
        OPTIONS => Request::Options,
        AUTH_RESPONSE => Request::AuthResponse(r.bytes()?),
        REGISTER => Request::Register(r.string_list()?),
        QUERY => {
            let text = r.long_string()?;
            let params = query_params(&mut r, version)?;
            Request::Query { text, params }
        }
        PREPARE => {
            let text = r.long_string()?;
            let mut keyspace = None;
            if version >= 5 {
                let flags = r.int()? as u32;
                if flags & 0x01 != 0 {
                    keyspace = Some(r.string()?);
                }
            }
            Request::Prepare { text, keyspace }
        }
        EXECUTE => {
            let id = r.short_bytes()?;
            if version >= 5 {
                let _result_metadata_id = r.short_bytes()?;
            }
            let params = query_params(&mut r, version)?;
            Request::Execute { id, params }
        }
        BATCH => Request::Batch(batch(&mut r, version)?),
        other => return Err(CqlError::protocol(format!("Unknown or unexpected opcode {other} in a request"))),
    };
    Ok(request)
}

fn flags(r: &mut BodyReader, version: u8) -> CqlResult<u32> {
    Ok(if version >= 5 { r.int()? as u32 } else { u32::from(r.byte()?) })
}

fn values(r: &mut BodyReader, named: bool) -> CqlResult<Values> {
    let n = r.short()?;
    let cap = usize::from(n).min(r.remaining() / 4);
    if named {
        let mut out = Vec::with_capacity(cap);
        for _ in 0..n {
            let name = r.string()?;
            out.push((name, r.value()?));
        }
        Ok(Values::Named(out))
    } else {
        let mut out = Vec::with_capacity(cap);
        for _ in 0..n {
            out.push(r.value()?);
        }
        Ok(Values::Positional(out))
    }
}

fn query_params(r: &mut BodyReader, version: u8) -> CqlResult<QueryParams> {
    use query_flags::*;
    let consistency = r.consistency()?;
    let flags = flags(r, version)?;
    let mut params = QueryParams { consistency, skip_metadata: flags & SKIP_METADATA != 0, ..Default::default() };
    if flags & VALUES != 0 {
        params.values = values(r, flags & NAMES_FOR_VALUES != 0)?;
    }
    if flags & PAGE_SIZE != 0 {
        params.page_size = Some(r.int()?).filter(|n| *n > 0);
    }
    if flags & PAGING_STATE != 0 {
        params.paging_state = r.bytes()?;
    }
    if flags & SERIAL_CONSISTENCY != 0 {
        params.serial_consistency = Some(r.consistency()?);
    }
    if flags & DEFAULT_TIMESTAMP != 0 {
        params.default_timestamp = Some(r.long()?);
    }
    if version >= 5 {
        if flags & KEYSPACE != 0 {
            params.keyspace = Some(r.string()?);
        }
        if flags & NOW_IN_SECONDS != 0 {
            params.now_in_seconds = Some(r.int()?);
        }
    }
    Ok(params)
}

fn batch(r: &mut BodyReader, version: u8) -> CqlResult<BatchRequest> {
    use query_flags::*;
    let kind = match r.byte()? {
        0 => BatchKind::Logged,
        1 => BatchKind::Unlogged,
        2 => BatchKind::Counter,
        other => return Err(CqlError::protocol(format!("Unknown batch type {other}"))),
    };
    let n = r.short()?;
    let mut statements = Vec::with_capacity(usize::from(n).min(r.remaining() / 4));
    for _ in 0..n {
        let statement = match r.byte()? {
            0 => {
                let text = r.long_string()?;
                BatchStatement::Query { text, values: values(r, false)? }
            }
            1 => {
                let id = r.short_bytes()?;
                BatchStatement::Prepared { id, values: values(r, false)? }
            }
            other => {
                return Err(CqlError::protocol(format!(
                    "Invalid query kind in BATCH messages. Must be 0 or 1 but got {other}"
                )))
            }
        };
        statements.push(statement);
    }
    let consistency = r.consistency()?;
    let flags = flags(r, version)?;
    let mut request = BatchRequest {
        kind,
        statements,
        consistency,
        serial_consistency: None,
        default_timestamp: None,
        keyspace: None,
        now_in_seconds: None,
    };
    if flags & NAMES_FOR_VALUES != 0 {
        return Err(CqlError::protocol(
            "Named values in BATCH are not supported (the protocol has no way to send them)",
        ));
    }
    if flags & SERIAL_CONSISTENCY != 0 {
        request.serial_consistency = Some(r.consistency()?);
    }
    if flags & DEFAULT_TIMESTAMP != 0 {
        request.default_timestamp = Some(r.long()?);
    }
    if version >= 5 {
        if flags & KEYSPACE != 0 {
            request.keyspace = Some(r.string()?);
        }
        if flags & NOW_IN_SECONDS != 0 {
            request.now_in_seconds = Some(r.int()?);
        }
    }
    Ok(request)
}

impl Values {
    /// The number of bound values, either form.
    pub fn len(&self) -> usize {
        match self {
            Values::None => 0,
            Values::Positional(v) => v.len(),
            Values::Named(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// For tests and the unit tests of other modules: a positional value list.
pub fn positional(values: &[Option<&[u8]>]) -> Values {
    Values::Positional(
        values.iter().map(|v| v.map_or(BoundValue::Null, |b| BoundValue::Bytes(Bytes::copy_from_slice(b)))).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::body::BodyWriter;
    use super::super::envelope::opcode;
    use super::*;
    use crate::engine::Consistency;

    #[test]
    fn query_with_every_v4_flag() {
        let mut w = BodyWriter::new();
        w.long_string("SELECT * FROM t WHERE k = ?").short(0x0004).byte(0x01 | 0x02 | 0x04 | 0x08 | 0x10 | 0x20);
        w.short(2).int(4).put(&[0, 0, 0, 1]).int(-2);
        w.int(3).bytes(Some(b"state")).short(0x0009).long(1_700_000_000_000_000);
        let request = decode(4, opcode::QUERY, w.finish()).unwrap();
        let Request::Query { text, params } = request else { panic!("{request:?}") };
        assert_eq!(text, "SELECT * FROM t WHERE k = ?");
        assert_eq!(params.consistency, Consistency::Quorum);
        assert!(params.skip_metadata);
        assert_eq!(
            params.values,
            Values::Positional(vec![BoundValue::Bytes(Bytes::from_static(&[0, 0, 0, 1])), BoundValue::Unset])
        );
        assert_eq!(params.page_size, Some(3));
        assert_eq!(params.paging_state.as_deref(), Some(&b"state"[..]));
        assert_eq!(params.serial_consistency, Some(Consistency::LocalSerial));
        assert_eq!(params.default_timestamp, Some(1_700_000_000_000_000));
    }

    #[test]
    fn v5_execute_named_values_and_keyspace() {
        let mut w = BodyWriter::new();
        w.short_bytes(b"id").short_bytes(b"meta").short(0x0001).int(0x01 | 0x40 | 0x80 | 0x100);
        w.short(1).string("k").int(1).put(&[7]);
        w.string("ks").int(42);
        let Request::Execute { id, params } = decode(5, opcode::EXECUTE, w.finish()).unwrap() else { panic!() };
        assert_eq!(&id[..], b"id");
        assert_eq!(params.values, Values::Named(vec![("k".into(), BoundValue::Bytes(Bytes::from_static(&[7])))]));
        assert_eq!(params.keyspace.as_deref(), Some("ks"));
        assert_eq!(params.now_in_seconds, Some(42));
    }

    #[test]
    fn batch_of_query_and_prepared() {
        let mut w = BodyWriter::new();
        w.byte(1).short(2);
        w.byte(0).long_string("INSERT INTO t (k) VALUES (1)").short(0);
        w.byte(1).short_bytes(b"pid").short(1).int(-1);
        w.short(0x0001).byte(0x20).long(5);
        let Request::Batch(batch) = decode(4, opcode::BATCH, w.finish()).unwrap() else { panic!() };
        assert_eq!(batch.kind, BatchKind::Unlogged);
        assert_eq!(batch.statements.len(), 2);
        assert_eq!(batch.default_timestamp, Some(5));
        assert!(
            matches!(&batch.statements[1], BatchStatement::Prepared { values: Values::Positional(v), .. } if v == &[BoundValue::Null])
        );
    }

    #[test]
    fn truncated_or_forged_bodies_are_protocol_errors() {
        let mut w = BodyWriter::new();
        w.long_string("SELECT 1").short(1).byte(0x01).short(60000);
        assert!(decode(4, opcode::QUERY, w.finish()).is_err());
        assert!(decode(4, opcode::QUERY, Bytes::from_static(&[0x7f, 0xff, 0xff, 0xff])).is_err());
        assert!(decode(4, opcode::BATCH, Bytes::from_static(&[9])).is_err());
        assert!(decode(4, 0x42, Bytes::new()).is_err());
    }
}
