//! Writing reply [`Frame`]s in RESP2 or RESP3, with the RESP2 downgrades described in
//! [`crate::resp`], byte for byte as Redis 7.0 writes them.

use super::Frame;
use bytes::{BufMut, BytesMut};

/// Appends `frame` to `out` in protocol `version` (2 or 3; anything but 3 is RESP2).
pub fn encode(frame: &Frame, version: u8, out: &mut BytesMut) {
    let resp3 = version >= 3;
    match frame {
        Frame::Simple(s) => line(out, b'+', clean(s).as_bytes()),
        Frame::Error(s) => line(out, b'-', clean(s).as_bytes()),
        Frame::Integer(n) => line(out, b':', n.to_string().as_bytes()),
        Frame::Bulk(bytes) => bulk(out, b'$', bytes),
        Frame::Null => out.put_slice(if resp3 { b"_\r\n" } else { b"$-1\r\n" }),
        Frame::NullArray => out.put_slice(if resp3 { b"_\r\n" } else { b"*-1\r\n" }),
        Frame::Array(items) => aggregate(out, b'*', items, version),
        Frame::Set(items) => aggregate(out, if resp3 { b'~' } else { b'*' }, items, version),
        Frame::Push(items) => aggregate(out, if resp3 { b'>' } else { b'*' }, items, version),
        Frame::Map(pairs) => {
            if resp3 {
                line(out, b'%', pairs.len().to_string().as_bytes());
            } else {
                line(out, b'*', (pairs.len() * 2).to_string().as_bytes());
            }
            for (k, v) in pairs {
                encode(k, version, out);
                encode(v, version, out);
            }
        }
        Frame::Double(d) => {
            let text = format_double(*d);
            if resp3 {
                line(out, b',', text.as_bytes());
            } else {
                bulk(out, b'$', text.as_bytes());
            }
        }
        Frame::Boolean(b) => match (resp3, b) {
            (true, true) => out.put_slice(b"#t\r\n"),
            (true, false) => out.put_slice(b"#f\r\n"),
            (false, true) => out.put_slice(b":1\r\n"),
            (false, false) => out.put_slice(b":0\r\n"),
        },
        Frame::Verbatim(format, body) => {
            if resp3 {
                let mut payload = Vec::with_capacity(4 + body.len());
                payload.extend_from_slice(format.as_bytes());
                payload.push(b':');
                payload.extend_from_slice(body);
                bulk(out, b'=', &payload);
            } else {
                bulk(out, b'$', body);
            }
        }
    }
}

/// Encodes one frame into a fresh buffer.
pub fn to_bytes(frame: &Frame, version: u8) -> BytesMut {
    let mut out = BytesMut::new();
    encode(frame, version, &mut out);
    out
}

/// A double as Redis 7.0's `addReplyDouble` prints it (`%.17g`, `inf`/`-inf`): the one
/// formatter shared with the command families.
pub fn format_double(d: f64) -> String {
    crate::commands::args::format_double_reply(d)
}

/// Redis never lets a status or error line break the protocol.
fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains(['\r', '\n']) {
        std::borrow::Cow::Owned(s.replace(['\r', '\n'], " "))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

fn line(out: &mut BytesMut, prefix: u8, body: &[u8]) {
    out.reserve(body.len() + 3);
    out.put_u8(prefix);
    out.put_slice(body);
    out.put_slice(b"\r\n");
}

fn bulk(out: &mut BytesMut, prefix: u8, body: &[u8]) {
    line(out, prefix, body.len().to_string().as_bytes());
    out.reserve(body.len() + 2);
    out.put_slice(body);
    out.put_slice(b"\r\n");
}

fn aggregate(out: &mut BytesMut, prefix: u8, items: &[Frame], version: u8) {
    line(out, prefix, items.len().to_string().as_bytes());
    for item in items {
        encode(item, version, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(frame: Frame, version: u8) -> String {
        String::from_utf8_lossy(&to_bytes(&frame, version)).into_owned()
    }

    #[test]
    fn resp2_downgrades() {
        assert_eq!(enc(Frame::Null, 2), "$-1\r\n");
        assert_eq!(enc(Frame::NullArray, 2), "*-1\r\n");
        assert_eq!(enc(Frame::Boolean(true), 2), ":1\r\n");
        assert_eq!(enc(Frame::Double(1.5), 2), "$3\r\n1.5\r\n");
        assert_eq!(enc(Frame::Map(vec![(Frame::bulk("a"), Frame::Integer(1))]), 2), "*2\r\n$1\r\na\r\n:1\r\n");
        assert_eq!(enc(Frame::Set(vec![Frame::bulk("x")]), 2), "*1\r\n$1\r\nx\r\n");
        assert_eq!(enc(Frame::Push(vec![]), 2), "*0\r\n");
        assert_eq!(enc(Frame::Verbatim("txt".into(), b"hi".to_vec()), 2), "$2\r\nhi\r\n");
        assert_eq!(enc(Frame::Error("ERR a\r\nb".into()), 2), "-ERR a  b\r\n");
    }

    #[test]
    fn resp3_types() {
        assert_eq!(enc(Frame::Null, 3), "_\r\n");
        assert_eq!(enc(Frame::NullArray, 3), "_\r\n");
        assert_eq!(enc(Frame::Boolean(false), 3), "#f\r\n");
        assert_eq!(enc(Frame::Double(f64::INFINITY), 3), ",inf\r\n");
        assert_eq!(enc(Frame::Map(vec![(Frame::bulk("a"), Frame::Null)]), 3), "%1\r\n$1\r\na\r\n_\r\n");
        assert_eq!(enc(Frame::Set(vec![]), 3), "~0\r\n");
        assert_eq!(enc(Frame::Push(vec![Frame::Integer(1)]), 3), ">1\r\n:1\r\n");
        assert_eq!(enc(Frame::Verbatim("txt".into(), b"hi".to_vec()), 3), "=6\r\ntxt:hi\r\n");
    }

    #[test]
    fn doubles_as_percent_17g() {
        assert_eq!(format_double(1.0), "1");
        assert_eq!(format_double(1.5), "1.5");
        assert_eq!(format_double(-2.25), "-2.25");
        assert_eq!(format_double(0.1), "0.10000000000000001");
        assert_eq!(format_double(1.1), "1.1000000000000001");
        assert_eq!(format_double(3.0e20), "3e+20");
        assert_eq!(format_double(1e17), "1e+17");
        assert_eq!(format_double(1e16), "10000000000000000");
        assert_eq!(format_double(0.0001), "0.0001");
        assert_eq!(format_double(0.00001), "1.0000000000000001e-05");
        assert_eq!(format_double(f64::NEG_INFINITY), "-inf");
        assert_eq!(format_double(0.0), "0");
        assert_eq!(format_double(-0.0), "0");
    }
}
