use super::*;
use crate::exec::table_def::{build, DeclaredColumn};
use crate::schema::ClusteringOrder;
use crate::types::CqlType;
use std::sync::Arc;

fn names(def: &TableDef) -> Vec<&str> {
    def.columns.iter().map(|c| c.name.as_str()).collect()
}

#[test]
fn system_tables_build_with_cassandras_keys_and_columns() {
    let defs = system_table_defs().unwrap();
    assert_eq!(defs.len(), TABLES.len());
    let find = |ks: &str, name: &str| defs.iter().find(|d| d.keyspace == ks && d.name == name).unwrap();
    // SELECT * order: partition key, clustering, then the rest by name (as Cassandra).
    assert_eq!(
        names(find("system_schema", "columns")),
        [
            "keyspace_name",
            "table_name",
            "column_name",
            "clustering_order",
            "column_name_bytes",
            "kind",
            "position",
            "type"
        ]
    );
    let peers_v2 = find("system", "peers_v2");
    assert_eq!(names(peers_v2)[..2], ["peer", "peer_port"]);
    assert_eq!(peers_v2.columns.len(), 12);
    let local = find("system", "local");
    assert_eq!(local.columns.len(), 20);
    assert_eq!(local.columns[0].name, "key");
    assert_eq!(find("system_schema", "tables").columns.len(), 22);
    let ids: std::collections::BTreeSet<_> = defs.iter().map(|d| d.id).collect();
    assert_eq!(ids.len(), defs.len(), "distinct stable ids");
}

fn check_cells(defs: &[TableDef], rows: &[SystemRow]) {
    for row in rows {
        let def = defs
            .iter()
            .find(|d| d.keyspace == row.keyspace && d.name == row.table)
            .unwrap_or_else(|| panic!("no table {}.{}", row.keyspace, row.table));
        for (name, value) in &row.cells {
            let column =
                def.column(name).unwrap_or_else(|| panic!("{}.{} has no column {name}", row.keyspace, row.table));
            assert!(value.is_of(&column.ty), "{}.{}.{name}: {value:?} is not a {}", row.keyspace, row.table, column.ty);
        }
    }
}

#[test]
fn schema_rows_describe_tables_columns_and_types() {
    let defs = system_table_defs().unwrap();
    let udt = CqlType::Udt { keyspace: "app".into(), name: "addr".into(), fields: vec![("zip".into(), CqlType::Int)] };
    let d = |n: &str, ty: CqlType, is_static| DeclaredColumn { name: n.into(), ty, is_static };
    let table = build(
        "app",
        "t",
        vec![
            d("k", CqlType::Int, false),
            d("c", CqlType::Text, false),
            d("s", CqlType::Int, true),
            d("l", CqlType::List(Box::new(CqlType::Int)), false),
            d("home", CqlType::Frozen(Box::new(udt.clone())), false),
        ],
        &["k".into()],
        &[("c".into(), ClusteringOrder::Desc)],
        [("comment".to_string(), "'it''s'".to_string())].into_iter().collect(),
        60,
    )
    .unwrap();
    let mut tables: Vec<Arc<TableDef>> = defs.iter().cloned().map(Arc::new).collect();
    tables.push(Arc::new(table));
    let mut keyspaces = system_keyspaces();
    keyspaces.push(KeyspaceDef {
        name: "app".into(),
        replication: Replication::Simple { replication_factor: 1 },
        durable_writes: true,
    });
    let types = vec![Arc::new(crate::schema::UserTypeDef {
        keyspace: "app".into(),
        name: "addr".into(),
        fields: vec![("zip".into(), CqlType::Int)],
    })];
    let rows = schema_rows(&keyspaces, &tables, &types);
    check_cells(&defs, &rows);
    let cell = |row: &SystemRow, name: &str| row.cells.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
    let column = |name: &str| {
        rows.iter()
            .find(|r| {
                r.table == "columns"
                    && cell(r, "table_name") == Some(CqlValue::Text("t".into()))
                    && cell(r, "column_name") == Some(CqlValue::Text(name.into()))
            })
            .unwrap()
    };
    assert_eq!(cell(column("c"), "clustering_order"), Some(CqlValue::Text("desc".into())));
    assert_eq!(cell(column("c"), "kind"), Some(CqlValue::Text("clustering".into())));
    assert_eq!(cell(column("s"), "kind"), Some(CqlValue::Text("static".into())));
    assert_eq!(cell(column("s"), "position"), Some(CqlValue::Int(-1)));
    assert_eq!(cell(column("l"), "type"), Some(CqlValue::Text("list<int>".into())));
    assert_eq!(cell(column("home"), "type"), Some(CqlValue::Text("frozen<addr>".into())));
    let t =
        rows.iter().find(|r| r.table == "tables" && cell(r, "table_name") == Some(CqlValue::Text("t".into()))).unwrap();
    assert_eq!(cell(t, "comment"), Some(CqlValue::Text("it's".into())));
    assert_eq!(cell(t, "default_time_to_live"), Some(CqlValue::Int(60)));
    assert_eq!(cell(t, "flags"), Some(CqlValue::set(vec![CqlValue::Text("compound".into())])));
    let ks = rows.iter().filter(|r| r.table == "keyspaces" && r.keyspace == "system_schema").count();
    assert_eq!(ks, 6, "five system keyspaces and app");
    let node = LocalNode {
        address: "127.0.0.1".parse().unwrap(),
        native_port: 9042,
        storage_port: 7000,
        host_id: [1; 16],
        schema_version: [2; 16],
        tokens: vec!["0".into()],
        cluster_name: "c".into(),
        data_center: "datacenter1".into(),
        rack: "rack1".into(),
    };
    let local = local_rows(&node);
    check_cells(&defs, &local);
    let _ = udt;
}
