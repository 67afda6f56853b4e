//! Catalog tests over the in-memory engine: DDL semantics, errors and reload on start.

use super::*;
use crate::error::ErrorCode;
use crate::schema::{ClusteringOrder, ColumnDef, ColumnKind};
use orbit_storage::{KvTableStorage, MemoryEngine};

pub(crate) async fn memory_storage() -> Arc<dyn TableStorage> {
    KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap()
}

fn ks(name: &str) -> KeyspaceDef {
    KeyspaceDef { name: name.into(), replication: Replication::Simple { replication_factor: 1 }, durable_writes: true }
}

pub(crate) fn table(keyspace: &str, name: &str) -> TableDef {
    let col = |name: &str, ty: CqlType, kind: ColumnKind| ColumnDef {
        name: name.into(),
        ty,
        kind,
        position: 0,
        order: ClusteringOrder::Asc,
    };
    TableDef {
        keyspace: keyspace.into(),
        name: name.into(),
        columns: vec![
            col("k", CqlType::Int, ColumnKind::PartitionKey),
            col("c", CqlType::Int, ColumnKind::Clustering),
            col("v", CqlType::Text, ColumnKind::Regular),
        ],
        id: space::random_uuid(),
        default_ttl: 0,
        options: BTreeMap::new(),
        indexes: vec![],
        is_counter: false,
    }
}

#[tokio::test]
async fn ddl_persists_and_reloads_with_a_new_version_each_time() {
    let storage = memory_storage().await;
    let catalog = Catalog::open(storage.clone()).await.unwrap();
    let v0 = catalog.version();
    assert!(catalog.create_keyspace(ks("app"), false).await.unwrap());
    let v1 = catalog.version();
    assert_ne!(v0, v1);
    assert!(catalog.create_table(table("app", "t"), false).await.unwrap());
    let ty = UserTypeDef { keyspace: "app".into(), name: "addr".into(), fields: vec![("zip".into(), CqlType::Int)] };
    assert!(catalog.create_type(ty.clone(), false).await.unwrap());
    let v3 = catalog.version();
    assert_ne!(v1, v3);

    let reopened = Catalog::open(storage).await.unwrap();
    assert_eq!(reopened.version(), v3);
    assert_eq!(reopened.keyspace("app"), Some(ks("app")));
    assert_eq!(reopened.table("app", "t").unwrap().as_ref(), catalog.table("app", "t").unwrap().as_ref());
    assert_eq!(reopened.user_type("app", "addr").unwrap().as_ref(), &ty);
    let resolved = reopened
        .resolve_type("app", &CqlType::List(Box::new(CqlType::UdtRef { keyspace: None, name: "addr".into() })))
        .unwrap();
    assert!(matches!(resolved, CqlType::List(inner) if matches!(*inner, CqlType::Udt { .. })));
}

#[tokio::test]
async fn create_and_drop_answer_cassandras_errors() {
    let catalog = Catalog::open(memory_storage().await).await.unwrap();
    catalog.create_keyspace(ks("app"), false).await.unwrap();
    let e = catalog.create_keyspace(ks("app"), false).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::AlreadyExists);
    assert!(matches!(&e, CqlError::AlreadyExists { keyspace, table, .. } if keyspace == "app" && table.is_empty()));
    assert!(!catalog.create_keyspace(ks("app"), true).await.unwrap());

    catalog.create_table(table("app", "t"), false).await.unwrap();
    let e = catalog.create_table(table("app", "t"), false).await.unwrap_err();
    assert!(matches!(&e, CqlError::AlreadyExists { keyspace, table, .. } if keyspace == "app" && table == "t"));
    assert!(!catalog.create_table(table("app", "t"), true).await.unwrap());

    let e = catalog.create_table(table("nope", "t"), false).await.unwrap_err();
    assert_eq!(e.message(), "Keyspace 'nope' does not exist");
    assert_eq!(e.code(), ErrorCode::Invalid);
    let e = catalog.drop_table("app", "missing", false).await.unwrap_err();
    assert_eq!(e.message(), "Table 'app.missing' doesn't exist");
    assert!(catalog.drop_table("app", "missing", true).await.unwrap().is_none());
    let e = catalog.drop_keyspace("nope", false).await.unwrap_err();
    assert_eq!(e.message(), "Cannot drop non existing keyspace 'nope'.");
    assert!(catalog.drop_keyspace("nope", true).await.unwrap().is_none());

    let dropped = catalog.drop_keyspace("app", false).await.unwrap().unwrap();
    assert_eq!(dropped.len(), 1);
    assert!(catalog.table("app", "t").is_none());
}

#[tokio::test]
async fn system_keyspaces_exist_but_refuse_changes() {
    let catalog = Catalog::open(memory_storage().await).await.unwrap();
    let names: Vec<String> = catalog.keyspaces().into_iter().map(|k| k.name).collect();
    for system in SYSTEM_KEYSPACES {
        assert!(names.iter().any(|n| n == system), "{system}");
    }
    let e = catalog.drop_keyspace("system", false).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unauthorized);
    assert_eq!(e.message(), "system keyspace is not user-modifiable.");
    assert_eq!(catalog.create_keyspace(ks("system_schema"), false).await.unwrap_err().code(), ErrorCode::AlreadyExists);
    assert_eq!(catalog.alter_keyspace(ks("system_auth")).await.unwrap_err().code(), ErrorCode::Unauthorized);
    assert_eq!(catalog.create_table(table("system", "x"), false).await.unwrap_err().code(), ErrorCode::Unauthorized);
}

#[tokio::test]
async fn indexes_types_and_alter() {
    let catalog = Catalog::open(memory_storage().await).await.unwrap();
    catalog.create_keyspace(ks("app"), false).await.unwrap();
    catalog.create_table(table("app", "t"), false).await.unwrap();
    let idx = IndexDef { name: "t_v".into(), column: "v".into(), target: crate::schema::IndexTarget::Values };
    assert!(catalog.create_index("app", "t", idx.clone(), false).await.unwrap());
    assert!(catalog.create_index("app", "t", idx.clone(), false).await.is_err());
    assert!(!catalog.create_index("app", "t", idx, true).await.unwrap());
    assert!(catalog.drop_index("app", "t_v", false).await.unwrap());
    assert!(catalog.drop_index("app", "t_v", false).await.is_err());

    let altered = catalog
        .alter_table("app", "t", |t| {
            t.default_ttl = 30;
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(altered.default_ttl, 30);

    let ty = UserTypeDef { keyspace: "app".into(), name: "addr".into(), fields: vec![("zip".into(), CqlType::Int)] };
    catalog.create_type(ty.clone(), false).await.unwrap();
    assert!(catalog.create_type(ty, false).await.is_err());
    let mut uses = table("app", "u");
    uses.columns.push(ColumnDef {
        name: "a".into(),
        ty: CqlType::Frozen(Box::new(
            catalog.resolve_type("app", &CqlType::UdtRef { keyspace: None, name: "addr".into() }).unwrap(),
        )),
        kind: ColumnKind::Regular,
        position: 0,
        order: ClusteringOrder::Asc,
    });
    catalog.create_table(uses, false).await.unwrap();
    let e = catalog.drop_type("app", "addr", false).await.unwrap_err();
    assert!(e.message().contains("still used by table app.u"), "{}", e.message());
    catalog.drop_table("app", "u", false).await.unwrap();
    assert!(catalog.drop_type("app", "addr", false).await.unwrap());
}

#[tokio::test]
async fn altering_a_type_updates_the_tables_that_use_it() {
    let storage = memory_storage().await;
    let catalog = Catalog::open(storage.clone()).await.unwrap();
    catalog.create_keyspace(ks("app"), false).await.unwrap();
    let ty = UserTypeDef { keyspace: "app".into(), name: "addr".into(), fields: vec![("zip".into(), CqlType::Int)] };
    catalog.create_type(ty, false).await.unwrap();
    let resolved = catalog.resolve_type("app", &CqlType::UdtRef { keyspace: None, name: "addr".into() }).unwrap();
    let mut t = table("app", "people");
    t.columns.push(ColumnDef {
        name: "home".into(),
        ty: CqlType::Frozen(Box::new(resolved)),
        kind: ColumnKind::Regular,
        position: 0,
        order: ClusteringOrder::Asc,
    });
    catalog.create_table(t, false).await.unwrap();
    catalog
        .alter_type("app", "addr", |t| {
            t.fields.push(("street".into(), CqlType::Text));
            Ok(())
        })
        .await
        .unwrap();
    let reopened = Catalog::open(storage).await.unwrap();
    let home = reopened.table("app", "people").unwrap().column("home").unwrap().ty.clone();
    let CqlType::Frozen(inner) = home else { panic!("{home:?}") };
    let CqlType::Udt { fields, .. } = *inner else { panic!() };
    assert_eq!(fields.len(), 2);
    assert_eq!(reopened.user_type("app", "addr").unwrap().fields.len(), 2);
}

#[tokio::test]
async fn a_corrupt_catalog_entry_fails_the_open_instead_of_panicking() {
    let storage = memory_storage().await;
    let catalog = Catalog::open(storage.clone()).await.unwrap();
    catalog.create_keyspace(ks("app"), false).await.unwrap();
    let mut tx = storage.begin().await.unwrap();
    tx.kv_put(catalog.handle(), &entry_key(TABLE, &["app", "t"]), vec![1, 2, 3]).await.unwrap();
    tx.commit().await.unwrap();
    let e = Catalog::open(storage).await.err().unwrap();
    assert_eq!(e.code(), ErrorCode::ServerError);
}
