//! The stored form of schema definitions ([`crate::schema`]): a versioned compact binary
//! encoding (not JSON) the catalog writes on DDL and reads back on start.

use super::codec::{Reader, Writer};
use crate::error::{CqlError, CqlResult};
use crate::schema::{
    ClusteringOrder, ColumnDef, ColumnKind, IndexDef, IndexTarget, KeyspaceDef, Replication, TableDef, UserTypeDef,
};
use crate::types::CqlType;
use std::collections::BTreeMap;

const FORMAT: u8 = 1;

const NATIVE: [CqlType; 20] = [
    CqlType::Ascii,
    CqlType::Bigint,
    CqlType::Blob,
    CqlType::Boolean,
    CqlType::Counter,
    CqlType::Date,
    CqlType::Decimal,
    CqlType::Double,
    CqlType::Duration,
    CqlType::Float,
    CqlType::Inet,
    CqlType::Int,
    CqlType::Smallint,
    CqlType::Text,
    CqlType::Time,
    CqlType::Timestamp,
    CqlType::Timeuuid,
    CqlType::Tinyint,
    CqlType::Uuid,
    CqlType::Varint,
];
const LIST: u8 = 0x30;
const SET: u8 = 0x31;
const MAP: u8 = 0x32;
const TUPLE: u8 = 0x33;
const UDT: u8 = 0x34;
const UDT_REF: u8 = 0x35;
const FROZEN: u8 = 0x36;
/// Nesting deeper than this is refused on read (a corrupt entry cannot recurse forever).
const MAX_DEPTH: usize = 64;

fn corrupt() -> CqlError {
    CqlError::server("stored schema entry is malformed")
}

pub fn write_type(w: &mut Writer, ty: &CqlType) {
    if let Some(i) = NATIVE.iter().position(|n| n == ty) {
        w.u8(i as u8 + 1);
        return;
    }
    match ty {
        CqlType::List(e) => {
            w.u8(LIST);
            write_type(w, e);
        }
        CqlType::Set(e) => {
            w.u8(SET);
            write_type(w, e);
        }
        CqlType::Map(k, v) => {
            w.u8(MAP);
            write_type(w, k);
            write_type(w, v);
        }
        CqlType::Tuple(items) => {
            w.u8(TUPLE);
            w.uvar(items.len() as u64);
            for t in items {
                write_type(w, t);
            }
        }
        CqlType::Udt { keyspace, name, fields } => {
            w.u8(UDT);
            w.str(keyspace);
            w.str(name);
            write_fields(w, fields);
        }
        CqlType::UdtRef { keyspace, name } => {
            w.u8(UDT_REF);
            match keyspace {
                Some(ks) => {
                    w.u8(1);
                    w.str(ks);
                }
                None => w.u8(0),
            }
            w.str(name);
        }
        CqlType::Frozen(inner) => {
            w.u8(FROZEN);
            write_type(w, inner);
        }
        _ => w.u8(0),
    }
}

fn write_fields(w: &mut Writer, fields: &[(String, CqlType)]) {
    w.uvar(fields.len() as u64);
    for (n, t) in fields {
        w.str(n);
        write_type(w, t);
    }
}

pub fn read_type(r: &mut Reader<'_>) -> CqlResult<CqlType> {
    read_type_at(r, 0)
}

fn read_type_at(r: &mut Reader<'_>, depth: usize) -> CqlResult<CqlType> {
    if depth > MAX_DEPTH {
        return Err(corrupt());
    }
    let tag = r.u8()?;
    if let Some(native) = usize::from(tag).checked_sub(1).and_then(|i| NATIVE.get(i)) {
        return Ok(native.clone());
    }
    let d = depth + 1;
    Ok(match tag {
        LIST => CqlType::List(Box::new(read_type_at(r, d)?)),
        SET => CqlType::Set(Box::new(read_type_at(r, d)?)),
        MAP => {
            let k = read_type_at(r, d)?;
            CqlType::Map(Box::new(k), Box::new(read_type_at(r, d)?))
        }
        TUPLE => {
            let n = r.len()?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(read_type_at(r, d)?);
            }
            CqlType::Tuple(items)
        }
        UDT => {
            let keyspace = r.string()?;
            let name = r.string()?;
            CqlType::Udt { keyspace, name, fields: read_fields(r, d)? }
        }
        UDT_REF => {
            let keyspace = if r.u8()? == 1 { Some(r.string()?) } else { None };
            CqlType::UdtRef { keyspace, name: r.string()? }
        }
        FROZEN => CqlType::Frozen(Box::new(read_type_at(r, d)?)),
        _ => return Err(corrupt()),
    })
}

fn read_fields(r: &mut Reader<'_>, depth: usize) -> CqlResult<Vec<(String, CqlType)>> {
    let n = r.len()?;
    let mut fields = Vec::with_capacity(n);
    for _ in 0..n {
        let name = r.string()?;
        fields.push((name, read_type_at(r, depth)?));
    }
    Ok(fields)
}

pub fn encode_keyspace(ks: &KeyspaceDef) -> Vec<u8> {
    let mut w = Writer::new();
    w.u8(FORMAT);
    w.str(&ks.name);
    match &ks.replication {
        Replication::Simple { replication_factor } => {
            w.u8(0);
            w.uvar(u64::from(*replication_factor));
        }
        Replication::NetworkTopology { data_centers } => {
            w.u8(1);
            w.uvar(data_centers.len() as u64);
            for (dc, rf) in data_centers {
                w.str(dc);
                w.uvar(u64::from(*rf));
            }
        }
        Replication::Local => w.u8(2),
    }
    w.u8(u8::from(ks.durable_writes));
    w.finish()
}

pub fn decode_keyspace(b: &[u8]) -> CqlResult<KeyspaceDef> {
    let mut r = Reader::new(b, "keyspace definition");
    if r.u8()? != FORMAT {
        return Err(corrupt());
    }
    let name = r.string()?;
    let replication = match r.u8()? {
        0 => Replication::Simple { replication_factor: r.u32()? },
        1 => {
            let n = r.len()?;
            let mut data_centers = BTreeMap::new();
            for _ in 0..n {
                let dc = r.string()?;
                data_centers.insert(dc, r.u32()?);
            }
            Replication::NetworkTopology { data_centers }
        }
        2 => Replication::Local,
        _ => return Err(corrupt()),
    };
    Ok(KeyspaceDef { name, replication, durable_writes: r.u8()? != 0 })
}

fn kind_tag(k: ColumnKind) -> u8 {
    match k {
        ColumnKind::PartitionKey => 0,
        ColumnKind::Clustering => 1,
        ColumnKind::Regular => 2,
        ColumnKind::Static => 3,
    }
}

fn target_tag(t: IndexTarget) -> u8 {
    match t {
        IndexTarget::Values => 0,
        IndexTarget::Keys => 1,
        IndexTarget::Entries => 2,
        IndexTarget::Full => 3,
    }
}

pub fn encode_table(t: &TableDef) -> Vec<u8> {
    let mut w = Writer::new();
    w.u8(FORMAT);
    w.str(&t.keyspace);
    w.str(&t.name);
    w.raw(&t.id);
    w.uvar(u64::from(t.default_ttl));
    w.u8(u8::from(t.is_counter));
    w.uvar(t.columns.len() as u64);
    for c in &t.columns {
        w.str(&c.name);
        write_type(&mut w, &c.ty);
        w.u8(kind_tag(c.kind));
        w.uvar(u64::from(c.position));
        w.u8(u8::from(c.order == ClusteringOrder::Desc));
    }
    w.uvar(t.options.len() as u64);
    for (k, v) in &t.options {
        w.str(k);
        w.str(v);
    }
    w.uvar(t.indexes.len() as u64);
    for i in &t.indexes {
        w.str(&i.name);
        w.str(&i.column);
        w.u8(target_tag(i.target));
    }
    w.finish()
}

pub fn decode_table(b: &[u8]) -> CqlResult<TableDef> {
    let mut r = Reader::new(b, "table definition");
    if r.u8()? != FORMAT {
        return Err(corrupt());
    }
    let keyspace = r.string()?;
    let name = r.string()?;
    let id = r.array::<16>()?;
    let default_ttl = r.u32()?;
    let is_counter = r.u8()? != 0;
    let n = r.len()?;
    let mut columns = Vec::with_capacity(n);
    for _ in 0..n {
        let name = r.string()?;
        let ty = read_type(&mut r)?;
        let kind = match r.u8()? {
            0 => ColumnKind::PartitionKey,
            1 => ColumnKind::Clustering,
            2 => ColumnKind::Regular,
            3 => ColumnKind::Static,
            _ => return Err(corrupt()),
        };
        let position = r.u32()?;
        let order = if r.u8()? == 1 { ClusteringOrder::Desc } else { ClusteringOrder::Asc };
        columns.push(ColumnDef { name, ty, kind, position, order });
    }
    let n = r.len()?;
    let mut options = BTreeMap::new();
    for _ in 0..n {
        let k = r.string()?;
        options.insert(k, r.string()?);
    }
    let n = r.len()?;
    let mut indexes = Vec::with_capacity(n);
    for _ in 0..n {
        let name = r.string()?;
        let column = r.string()?;
        let target = match r.u8()? {
            0 => IndexTarget::Values,
            1 => IndexTarget::Keys,
            2 => IndexTarget::Entries,
            3 => IndexTarget::Full,
            _ => return Err(corrupt()),
        };
        indexes.push(IndexDef { name, column, target });
    }
    Ok(TableDef { keyspace, name, columns, id, default_ttl, options, indexes, is_counter })
}

pub fn encode_type(t: &UserTypeDef) -> Vec<u8> {
    let mut w = Writer::new();
    w.u8(FORMAT);
    w.str(&t.keyspace);
    w.str(&t.name);
    write_fields(&mut w, &t.fields);
    w.finish()
}

pub fn decode_type(b: &[u8]) -> CqlResult<UserTypeDef> {
    let mut r = Reader::new(b, "type definition");
    if r.u8()? != FORMAT {
        return Err(corrupt());
    }
    let keyspace = r.string()?;
    let name = r.string()?;
    Ok(UserTypeDef { keyspace, name, fields: read_fields(&mut r, 0)? })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample_table() -> TableDef {
        let col = |name: &str, ty: CqlType, kind: ColumnKind, position: u32, order: ClusteringOrder| ColumnDef {
            name: name.into(),
            ty,
            kind,
            position,
            order,
        };
        let mut options = BTreeMap::new();
        options.insert("comment".into(), "'hi'".into());
        TableDef {
            keyspace: "ks".into(),
            name: "t".into(),
            columns: vec![
                col("k", CqlType::Int, ColumnKind::PartitionKey, 0, ClusteringOrder::Asc),
                col("c", CqlType::Text, ColumnKind::Clustering, 0, ClusteringOrder::Desc),
                col(
                    "m",
                    CqlType::Map(Box::new(CqlType::Text), Box::new(CqlType::Int)),
                    ColumnKind::Regular,
                    0,
                    ClusteringOrder::Asc,
                ),
                col(
                    "u",
                    CqlType::Frozen(Box::new(CqlType::Udt {
                        keyspace: "ks".into(),
                        name: "addr".into(),
                        fields: vec![("zip".into(), CqlType::Int)],
                    })),
                    ColumnKind::Static,
                    0,
                    ClusteringOrder::Asc,
                ),
            ],
            id: [7; 16],
            default_ttl: 60,
            options,
            indexes: vec![IndexDef { name: "t_m_idx".into(), column: "m".into(), target: IndexTarget::Keys }],
            is_counter: false,
        }
    }

    #[test]
    fn definitions_round_trip() {
        let t = sample_table();
        assert_eq!(decode_table(&encode_table(&t)).unwrap(), t);
        let mut dcs = BTreeMap::new();
        dcs.insert("dc1".to_string(), 3);
        let ks = KeyspaceDef {
            name: "ks".into(),
            replication: Replication::NetworkTopology { data_centers: dcs },
            durable_writes: false,
        };
        assert_eq!(decode_keyspace(&encode_keyspace(&ks)).unwrap(), ks);
        let ty = UserTypeDef {
            keyspace: "ks".into(),
            name: "addr".into(),
            fields: vec![("tags".into(), CqlType::Set(Box::new(CqlType::Tuple(vec![CqlType::Int, CqlType::Uuid]))))],
        };
        assert_eq!(decode_type(&encode_type(&ty)).unwrap(), ty);
    }

    #[test]
    fn corrupt_entries_are_errors() {
        let bytes = encode_table(&sample_table());
        for cut in 0..bytes.len() {
            assert!(decode_table(&bytes[..cut]).is_err(), "{cut}");
        }
        let deep = vec![LIST; 1000];
        assert!(read_type(&mut Reader::new(&deep, "t")).is_err());
    }
}
