//! [`CqlEngine`] over the parser, the translator and the runner: QUERY and BATCH of
//! query strings run; PREPARE/EXECUTE are not implemented yet and say so.

use super::run::Runner;
use super::translate::plan;
use crate::engine::{
    BatchRequest, BatchStatement, CqlEngine, Outcome, Prepared, QueryParams, SchemaChange, SessionState,
};
use crate::error::{CqlError, CqlResult};
use crate::model::Model;
use crate::parse::parse_statement;
use async_trait::async_trait;
use orbit_storage::TableStorage;
use std::sync::Arc;

pub struct Executor {
    runner: Runner,
}

impl Executor {
    pub async fn open(storage: Arc<dyn TableStorage>) -> CqlResult<Arc<Executor>> {
        Ok(Arc::new(Executor { runner: Runner::new(Model::open(storage).await?) }))
    }

    pub fn model(&self) -> &Model {
        &self.runner.model
    }
}

#[async_trait]
impl CqlEngine for Executor {
    async fn query(&self, session: &mut SessionState, text: &str, params: QueryParams) -> CqlResult<Outcome> {
        let parsed = parse_statement(text)?;
        let keyspace = params.keyspace.clone().or_else(|| session.keyspace.clone());
        let plan = plan(&self.runner.model.catalog, keyspace.as_deref(), &parsed, &params.values)?;
        self.runner.run(session, plan, &params).await
    }

    async fn prepare(&self, _session: &mut SessionState, _text: &str, _keyspace: Option<&str>) -> CqlResult<Prepared> {
        Err(CqlError::not_supported("PREPARE"))
    }

    async fn execute(&self, _session: &mut SessionState, id: &[u8], _params: QueryParams) -> CqlResult<Outcome> {
        Err(CqlError::Unprepared { message: "Prepared statements are not supported yet".into(), id: id.to_vec() })
    }

    async fn batch(&self, session: &mut SessionState, batch: BatchRequest) -> CqlResult<Outcome> {
        let keyspace = batch.keyspace.clone().or_else(|| session.keyspace.clone());
        let mut plans = Vec::with_capacity(batch.statements.len());
        for statement in &batch.statements {
            let BatchStatement::Query { text, values } = statement else {
                return Err(CqlError::not_supported("prepared statements in a BATCH"));
            };
            let parsed = parse_statement(text)?;
            plans.push(plan(&self.runner.model.catalog, keyspace.as_deref(), &parsed, values)?);
        }
        let params = QueryParams {
            consistency: batch.consistency,
            default_timestamp: batch.default_timestamp,
            now_in_seconds: batch.now_in_seconds,
            ..QueryParams::default()
        };
        self.runner.run_batch(batch.kind, plans, &params).await
    }

    fn requires_authentication(&self) -> bool {
        false
    }

    async fn authenticate(&self, _user: &str, _password: &str) -> CqlResult<()> {
        Ok(())
    }

    fn schema_events(&self) -> tokio::sync::broadcast::Receiver<SchemaChange> {
        self.runner.events.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{BatchKind, BoundValue, Consistency, Values};
    use bytes::Bytes;
    use orbit_storage::{KvTableStorage, MemoryEngine};

    #[tokio::test]
    async fn queries_and_batches_through_the_engine_contract() {
        let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
        let engine = Executor::open(storage).await.unwrap();
        let mut session = SessionState::default();
        let q = |s: &'static str| (s, QueryParams::default());
        for (text, params) in [
            q("CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"),
            q("USE app"),
            q("CREATE TABLE kv (k text PRIMARY KEY, v bigint)"),
        ] {
            engine.query(&mut session, text, params).await.unwrap();
        }
        let bound = QueryParams {
            values: Values::Positional(vec![
                BoundValue::Bytes(Bytes::from_static(b"x")),
                BoundValue::Bytes(Bytes::from(7i64.to_be_bytes().to_vec())),
            ]),
            ..QueryParams::default()
        };
        engine.query(&mut session, "INSERT INTO kv (k, v) VALUES (?, ?)", bound).await.unwrap();
        let batch = BatchRequest {
            kind: BatchKind::Logged,
            statements: vec![
                BatchStatement::Query { text: "INSERT INTO kv (k, v) VALUES ('y', 1)".into(), values: Values::None },
                BatchStatement::Query { text: "DELETE FROM kv WHERE k = 'x'".into(), values: Values::None },
            ],
            consistency: Consistency::One,
            serial_consistency: None,
            default_timestamp: None,
            keyspace: None,
            now_in_seconds: None,
        };
        engine.batch(&mut session, batch).await.unwrap();
        let Outcome::Rows(rows) =
            engine.query(&mut session, "SELECT k, v FROM kv", QueryParams::default()).await.unwrap()
        else {
            panic!()
        };
        assert_eq!(
            rows.rows,
            vec![vec![Some(Bytes::from_static(b"y")), Some(Bytes::from(1i64.to_be_bytes().to_vec()))]]
        );
        assert!(engine.prepare(&mut session, "SELECT * FROM kv", None).await.is_err());
    }
}
