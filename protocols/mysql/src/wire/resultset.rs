//! Result sets: the column-count packet, column definitions (Protocol::ColumnDefinition41)
//! and rows, in the text protocol (COM_QUERY) and the binary protocol (COM_STMT_EXECUTE).
//!
//! A result set is: column count, one definition per column, [EOF], rows, then
//! [`super::response::end_of_resultset`]. Binary rows encode each value in the form of its
//! column's declared type (see [`super::value`]).

use super::codec::{put_lenenc_bytes, put_lenenc_int, put_u16, put_u32, LENENC_NULL};
use super::consts::{ColumnType, BINARY_COLLATION, BINARY_FLAG, UNSIGNED_FLAG, UTF8MB4_GENERAL_CI};
use super::error::WireError;
use super::value::put_binary_value;

pub use super::value::WireValue;

/// Protocol::ColumnDefinition41.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDef {
    pub schema: String,
    pub table: String,
    pub org_table: String,
    pub name: String,
    pub org_name: String,
    /// Collation id: utf8mb4 for text, 63 (binary) for numbers, dates and blobs.
    pub charset: u16,
    /// Maximum display length.
    pub length: u32,
    pub column_type: ColumnType,
    pub flags: u16,
    /// Digits after the point (0x1f for "not fixed" in floats and strings).
    pub decimals: u8,
}

impl ColumnDef {
    /// A computed column (no table) named `name` with the charset, length, flags and
    /// decimals MySQL reports for an expression of that type.
    pub fn new(name: impl Into<String>, column_type: ColumnType) -> Self {
        let name = name.into();
        ColumnDef {
            schema: String::new(),
            table: String::new(),
            org_table: String::new(),
            org_name: name.clone(),
            name,
            charset: u16::from(default_charset(column_type)),
            length: default_length(column_type),
            column_type,
            flags: default_flags(column_type),
            decimals: default_decimals(column_type),
        }
    }

    pub fn is_unsigned(&self) -> bool {
        self.flags & UNSIGNED_FLAG != 0
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            24 + self.schema.len() + self.table.len() + self.org_table.len() + self.name.len() + self.org_name.len(),
        );
        put_lenenc_bytes(&mut out, b"def");
        for s in [&self.schema, &self.table, &self.org_table, &self.name, &self.org_name] {
            put_lenenc_bytes(&mut out, s.as_bytes());
        }
        out.push(0x0c);
        put_u16(&mut out, self.charset);
        put_u32(&mut out, self.length);
        out.push(self.column_type.code());
        put_u16(&mut out, self.flags);
        out.push(self.decimals);
        out.extend_from_slice(&[0, 0]);
        out
    }

    /// The definition as COM_FIELD_LIST sends it: followed by the column's default value
    /// (here always NULL).
    pub fn encode_for_field_list(&self) -> Vec<u8> {
        let mut out = self.encode();
        out.push(LENENC_NULL);
        out
    }
}

fn is_textual(t: ColumnType) -> bool {
    use ColumnType as T;
    matches!(t, T::VarChar | T::VarString | T::String | T::Enum | T::Set | T::Json)
}

/// The collation a column of type `t` reports: utf8mb4 for character data, binary for
/// everything else (numbers, temporal types, blobs, bits, geometry).
pub fn default_charset(t: ColumnType) -> u8 {
    if is_textual(t) {
        UTF8MB4_GENERAL_CI
    } else {
        BINARY_COLLATION
    }
}

/// Binary for everything but character data. (NUM_FLAG is not sent: client libraries
/// set it from the type, as for MySQL's and MariaDB's answers.)
fn default_flags(t: ColumnType) -> u16 {
    if is_textual(t) {
        0
    } else {
        BINARY_FLAG
    }
}

fn default_decimals(t: ColumnType) -> u8 {
    use ColumnType as T;
    match t {
        T::Float | T::Double | T::VarChar | T::VarString | T::String | T::Json => 0x1f,
        _ => 0,
    }
}

/// The display length MySQL reports for an expression of type `t` (in bytes of utf8mb4
/// for character types).
pub fn default_length(t: ColumnType) -> u32 {
    use ColumnType as T;
    match t {
        T::Tiny => 4,
        T::Short => 6,
        T::Int24 => 9,
        T::Long => 11,
        T::LongLong => 20,
        T::Float => 12,
        T::Double => 22,
        T::Decimal | T::NewDecimal => 67,
        T::Year => 4,
        T::Date => 10,
        T::Time => 10,
        T::DateTime | T::Timestamp => 19,
        T::Null => 0,
        T::Bit => 1,
        T::TinyBlob => 255,
        T::Blob => 65_535,
        T::MediumBlob => 16_777_215,
        T::LongBlob | T::Json | T::Geometry => u32::MAX,
        T::VarChar | T::VarString | T::String | T::Enum | T::Set => 1024,
    }
}

/// The packet announcing a result set of `columns` columns.
pub fn column_count(columns: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(9);
    put_lenenc_int(&mut out, columns);
    out
}

/// A text-protocol row: each value length-encoded, NULL as 0xFB.
pub fn encode_text_row(values: &[Option<&[u8]>]) -> Vec<u8> {
    let len = values.iter().map(|v| v.map_or(1, |b| b.len() + 9)).sum();
    let mut out = Vec::with_capacity(len);
    for v in values {
        match v {
            Some(bytes) => put_lenenc_bytes(&mut out, bytes),
            None => out.push(LENENC_NULL),
        }
    }
    out
}

/// A binary-protocol row: header 0x00, the NULL bitmap (bit offset 2), then each non-NULL
/// value in the form of its column's type.
pub fn encode_binary_row(columns: &[ColumnDef], values: &[WireValue]) -> Result<Vec<u8>, WireError> {
    if columns.len() != values.len() {
        return Err(WireError::malformed(format!("row has {} values for {} columns", values.len(), columns.len())));
    }
    let bitmap_len = (columns.len() + 7 + 2) / 8;
    let mut out = Vec::with_capacity(1 + bitmap_len + values.len() * 8);
    out.push(0x00);
    let bitmap_start = out.len();
    out.resize(bitmap_start + bitmap_len, 0);
    for (i, (col, v)) in columns.iter().zip(values).enumerate() {
        if v.is_null() {
            let bit = i + 2;
            if let Some(byte) = out.get_mut(bitmap_start + bit / 8) {
                *byte |= 1 << (bit % 8);
            }
        } else {
            put_binary_value(&mut out, col.column_type, col.is_unsigned(), v)?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::codec::Cursor;
    use crate::wire::consts::NOT_NULL_FLAG;

    #[test]
    fn column_definition_layout() {
        // The ColumnDefinition41 example of the MySQL documentation: `@@version_comment`,
        // VAR_STRING, utf8_general_ci, length 0x1c, decimals 0x1f.
        let col = ColumnDef {
            schema: String::new(),
            table: String::new(),
            org_table: String::new(),
            name: "@@version_comment".into(),
            org_name: String::new(),
            charset: 0x08,
            length: 0x1c,
            column_type: ColumnType::VarString,
            flags: 0,
            decimals: 0x1f,
        };
        let mut expected = vec![0x03, b'd', b'e', b'f', 0, 0, 0, 0x11];
        expected.extend_from_slice(b"@@version_comment");
        expected
            .extend_from_slice(&[0x00, 0x0c, 0x08, 0x00, 0x1c, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x00, 0x1f, 0x00, 0x00]);
        assert_eq!(col.encode(), expected);
        let mut field_list = expected.clone();
        field_list.push(0xfb);
        assert_eq!(col.encode_for_field_list(), field_list);
    }

    #[test]
    fn default_charsets_follow_the_type() {
        assert_eq!(ColumnDef::new("n", ColumnType::LongLong).charset, 63);
        assert_eq!(ColumnDef::new("d", ColumnType::DateTime).charset, 63);
        assert_eq!(ColumnDef::new("b", ColumnType::Blob).charset, 63);
        assert_eq!(ColumnDef::new("s", ColumnType::VarString).charset, 45);
        assert_eq!(ColumnDef::new("s", ColumnType::VarString).org_name, "s");
    }

    #[test]
    fn column_count_and_text_rows() {
        assert_eq!(column_count(1), [1]);
        assert_eq!(column_count(300), [0xFC, 0x2C, 0x01]);
        assert_eq!(encode_text_row(&[Some(b"1"), None, Some(b"")]), [0x01, b'1', 0xFB, 0x00]);
    }

    #[test]
    fn binary_row_with_nulls() {
        let mut id = ColumnDef::new("id", ColumnType::Long);
        id.flags |= NOT_NULL_FLAG | UNSIGNED_FLAG;
        let cols = vec![
            id,
            ColumnDef::new("name", ColumnType::VarString),
            ColumnDef::new("tiny", ColumnType::Tiny),
            ColumnDef::new("dec", ColumnType::NewDecimal),
        ];
        let row = encode_binary_row(
            &cols,
            &[WireValue::UInt(7), WireValue::Null, WireValue::Int(-1), WireValue::Bytes(b"1.50".to_vec())],
        )
        .unwrap();
        // Column 1 is NULL: bit 1 + 2 = 3 of the bitmap.
        assert_eq!(row, [0x00, 0b0000_1000, 7, 0, 0, 0, 0xFF, 4, b'1', b'.', b'5', b'0']);
        assert!(encode_binary_row(&cols, &[WireValue::Null]).is_err());
        assert!(encode_binary_row(&cols[2..3], &[WireValue::Int(1000)]).is_err());
    }

    #[test]
    fn binary_row_bitmap_spans_bytes() {
        let cols: Vec<ColumnDef> = (0..7).map(|i| ColumnDef::new(format!("c{i}"), ColumnType::Tiny)).collect();
        let mut values = vec![WireValue::Int(1); 7];
        values[6] = WireValue::Null;
        let row = encode_binary_row(&cols, &values).unwrap();
        // 7 columns + 2 offset bits = 2 bitmap bytes; column 6 is bit 8 = byte 1, bit 0.
        assert_eq!(&row[..3], [0x00, 0x00, 0x01]);
        assert_eq!(row.len(), 3 + 6);
        let mut c = Cursor::new(&row[3..]);
        for _ in 0..6 {
            assert_eq!(c.u8(), Ok(1));
        }
        assert_eq!(encode_binary_row(&[], &[]), Ok(vec![0x00, 0x00]));
    }
}
