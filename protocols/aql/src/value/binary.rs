//! The compact binary form documents are stored in (never JSON text): one tag byte per
//! value, integers zig-zag LEB128, doubles 8 bytes little-endian, strings, arrays and
//! objects length-prefixed (LEB128), object attributes in their order. Decoding bounds
//! every length by the bytes that remain and nesting by [`MAX_DEPTH`].
//! [`decode_projected`] decodes only the top-level attributes a reader names, stepping
//! over the others without building them.

use super::{Object, Value};

const NULL: u8 = 0x00;
const FALSE: u8 = 0x01;
const TRUE: u8 = 0x02;
const INT: u8 = 0x03;
const DOUBLE: u8 = 0x04;
const STRING: u8 = 0x05;
const ARRAY: u8 = 0x06;
const OBJECT: u8 = 0x07;

pub const MAX_DEPTH: usize = 256;

pub fn encode(v: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    encode_into(&mut out, v);
    out
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn text(out: &mut Vec<u8>, s: &str) {
    varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

pub fn encode_into(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.push(NULL),
        Value::Bool(false) => out.push(FALSE),
        Value::Bool(true) => out.push(TRUE),
        Value::Int(i) => {
            out.push(INT);
            varint(out, ((*i << 1) ^ (*i >> 63)) as u64);
        }
        Value::Double(d) => {
            out.push(DOUBLE);
            out.extend_from_slice(&d.to_le_bytes());
        }
        Value::String(s) => {
            out.push(STRING);
            text(out, s);
        }
        Value::Array(a) => {
            out.push(ARRAY);
            varint(out, a.len() as u64);
            for item in a {
                encode_into(out, item);
            }
        }
        Value::Object(o) => {
            out.push(OBJECT);
            varint(out, o.len() as u64);
            for (k, item) in o {
                text(out, k);
                encode_into(out, item);
            }
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, String> {
        let (&b, rest) = self.bytes.split_first().ok_or("truncated value")?;
        self.bytes = rest;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err("varint too long".into())
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], String> {
        let n = usize::try_from(n).map_err(|_| "length too large")?;
        if n > self.bytes.len() {
            return Err("length beyond the value".into());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn text(&mut self) -> Result<String, String> {
        let n = self.varint()?;
        let raw = self.take(n)?;
        String::from_utf8(raw.to_vec()).map_err(|_| "invalid UTF-8".to_string())
    }

    fn count(&mut self) -> Result<usize, String> {
        let n = self.varint()?;
        // every element takes at least one byte
        if n > self.bytes.len() as u64 {
            return Err("count beyond the value".into());
        }
        Ok(n as usize)
    }

    /// Steps over one value, checking its structure as [`Reader::value`] does, without
    /// building it.
    fn skip(&mut self, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("value nested too deeply".into());
        }
        match self.byte()? {
            NULL | FALSE | TRUE => {}
            INT => {
                self.varint()?;
            }
            DOUBLE => {
                self.take(8)?;
            }
            STRING => {
                let n = self.varint()?;
                std::str::from_utf8(self.take(n)?).map_err(|_| "invalid UTF-8")?;
            }
            ARRAY => {
                for _ in 0..self.count()? {
                    self.skip(depth + 1)?;
                }
            }
            OBJECT => {
                for _ in 0..self.count()? {
                    let n = self.varint()?;
                    std::str::from_utf8(self.take(n)?).map_err(|_| "invalid UTF-8")?;
                    self.skip(depth + 1)?;
                }
            }
            other => return Err(format!("unknown value tag {other:#04x}")),
        }
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err("value nested too deeply".into());
        }
        Ok(match self.byte()? {
            NULL => Value::Null,
            FALSE => Value::Bool(false),
            TRUE => Value::Bool(true),
            INT => {
                let z = self.varint()?;
                Value::Int(((z >> 1) as i64) ^ -((z & 1) as i64))
            }
            DOUBLE => {
                let raw: [u8; 8] = self.take(8)?.try_into().map_err(|_| "truncated double")?;
                Value::Double(f64::from_le_bytes(raw))
            }
            STRING => Value::String(self.text()?),
            ARRAY => {
                let n = self.count()?;
                let mut a = Vec::with_capacity(n);
                for _ in 0..n {
                    a.push(self.value(depth + 1)?);
                }
                Value::Array(a)
            }
            OBJECT => {
                let n = self.count()?;
                let mut o = Object::with_capacity(n);
                for _ in 0..n {
                    let k = self.text()?;
                    let v = self.value(depth + 1)?;
                    o.insert(k, v);
                }
                Value::Object(o)
            }
            other => return Err(format!("unknown value tag {other:#04x}")),
        })
    }
}

pub fn decode(bytes: &[u8]) -> Result<Value, String> {
    let mut r = Reader { bytes };
    let v = r.value(0)?;
    if !r.bytes.is_empty() {
        return Err("trailing bytes after value".into());
    }
    Ok(v)
}

/// Like [`decode`], but of an object only the top-level attributes named in `fields`
/// are built (in their stored order); the others are checked and stepped over. A value
/// that is not an object decodes whole.
pub fn decode_projected(bytes: &[u8], fields: &[&str]) -> Result<Value, String> {
    if bytes.first() != Some(&OBJECT) {
        return decode(bytes);
    }
    let mut r = Reader { bytes: bytes.get(1..).unwrap_or_default() };
    let n = r.count()?;
    let mut o = Object::with_capacity(n.min(fields.len()));
    for _ in 0..n {
        let len = r.varint()?;
        let raw = r.take(len)?;
        let name = std::str::from_utf8(raw).map_err(|_| "invalid UTF-8")?;
        if fields.contains(&name) {
            let v = r.value(1)?;
            o.insert(name.to_string(), v);
        } else {
            r.skip(1)?;
        }
    }
    if !r.bytes.is_empty() {
        return Err("trailing bytes after value".into());
    }
    Ok(Value::Object(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        let v =
            crate::value::json::parse(br#"{"_key":"a","n":-5,"d":1.25,"l":[null,true,false,"x",{"z":1}]}"#).unwrap();
        let back = decode(&encode(&v)).unwrap();
        assert_eq!(crate::value::json::to_json_string(&back), crate::value::json::to_json_string(&v));
        assert!(decode(&[ARRAY, 0xff, 0xff, 0xff, 0x0f]).is_err());
        assert!(decode(&[0x99]).is_err());
        assert!(decode(&[]).is_err());
    }

    #[test]
    fn projection_builds_only_the_named_attributes() {
        let text = br#"{"_key":"a","big":{"x":[1,2.5,"s",{"y":null}]},"grp":7,"name":"n","grp2":[true,false]}"#;
        let bytes = encode(&crate::value::json::parse(text).unwrap());
        let got = decode_projected(&bytes, &["grp", "_key", "missing"]).unwrap();
        assert_eq!(crate::value::json::to_json_string(&got), r#"{"_key":"a","grp":7}"#);
        let all = decode_projected(&bytes, &["_key", "big", "grp", "name", "grp2"]).unwrap();
        assert_eq!(
            crate::value::json::to_json_string(&all),
            crate::value::json::to_json_string(&decode(&bytes).unwrap())
        );
        assert_eq!(decode_projected(&encode(&Value::Int(3)), &["a"]).unwrap(), Value::Int(3));
        for cut in 1..bytes.len() {
            assert!(decode_projected(&bytes[..cut], &["grp"]).is_err(), "truncated at {cut}");
        }
        let mut trailing = bytes.clone();
        trailing.push(NULL);
        assert!(decode_projected(&trailing, &["grp"]).is_err());
        let mut deep = vec![OBJECT, 1, 1, b'a'];
        deep.extend(std::iter::repeat_n(ARRAY, MAX_DEPTH + 2).flat_map(|t| [t, 1]));
        deep.push(NULL);
        assert!(decode_projected(&deep, &["b"]).is_err());
    }
}
