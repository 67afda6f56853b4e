//! RUN, PULL and DISCARD: queries started in the open transaction (or in one opened for
//! an auto-commit RUN), and their records streamed to the client `n` at a time.
//!
//! RUN answers `{fields, t_first}` (and `qid` inside an explicit transaction); a compile
//! error is its FAILURE. PULL sends RECORDs and ends with `{has_more: true}` while records
//! remain (one is read ahead to know), or with the summary — `type`, `t_last`, `db`, the
//! non-zero `stats` with `contains-updates`, `plan`/`profile`, notifications — once the
//! result is exhausted. DISCARD reads the same records without sending them, so a write
//! query's effects are complete. Records go out as the buffer fills and whenever the
//! query is not ready with the next one. The auto-commit transaction commits when its result
//! ends, and only a commit that succeeded puts the `bookmark` in the summary; any failure
//! of an auto-commit query rolls it back.

use std::time::Instant;

use orbit_cypher::value::Value;
use orbit_cypher::{CypherResult, QueryStream, QuerySummary};
use tokio::io::AsyncWrite;

use super::failure::Failure;
use super::handler::{Done, Handler, OpenStream, Reject, Reply};
use super::outbox::{Outbox, SendError};
use crate::convert::{self, Encoding};
use crate::messages::{ALL, LAST_QUERY};
use crate::packstream::{Dictionary, PackValue};

impl Handler {
    pub(super) async fn run(
        &mut self,
        in_tx: bool,
        qid: i64,
        query: &str,
        parameters: Dictionary,
        extra: &Dictionary,
    ) -> Reply {
        let started = Instant::now();
        let parameters = convert::parameters(parameters)?;
        if !in_tx {
            let options = self.tx_options(extra)?;
            self.tx = Some(self.open_tx(options).await?);
        }
        let Some(open) = self.tx.as_mut() else {
            return Err(Failure::request_invalid("no transaction is open").into());
        };
        let db = open.db.clone();
        let stream = match open.tx.run(query, parameters).await {
            Ok(stream) => stream,
            Err(e) => {
                if !in_tx {
                    self.abandon_auto_commit().await;
                }
                return Err(e.into());
            }
        };
        let fields = PackValue::List(stream.fields().iter().map(|f| f.clone().into()).collect());
        let key = if in_tx { qid } else { LAST_QUERY };
        self.streams.insert(key, OpenStream { stream, peeked: None, db, pulling: Default::default() });
        let mut meta: Dictionary = vec![("fields".into(), fields), ("t_first".into(), millis(started))];
        if in_tx {
            meta.push(("qid".into(), PackValue::Integer(qid)));
        }
        Ok(Done::with(meta))
    }

    /// PULL (`send` true) or DISCARD of up to `n` records of the stream `qid`.
    pub(super) async fn pull<W: AsyncWrite + Unpin + Send>(
        &mut self,
        in_tx: bool,
        qid: i64,
        n: i64,
        send: bool,
        out: &mut Outbox<W>,
    ) -> std::io::Result<Reply> {
        let key = if in_tx { qid } else { LAST_QUERY };
        let Some(mut open) = self.streams.remove(&key) else {
            return Ok(Err(Reject { failure: Failure::request_invalid("there is no open result"), close: true }));
        };
        let started = Instant::now();
        let mut done = 0i64;
        let mut exhausted = false;
        while n == ALL || done < n {
            let next = match open.peeked.take() {
                Some(record) => Ok(Some(record)),
                None => next_record(open.stream.as_mut(), out).await?,
            };
            let record = match next {
                Ok(Some(record)) => record,
                Ok(None) => {
                    exhausted = true;
                    break;
                }
                Err(e) => return Ok(Err(self.stream_failed(in_tx, e.into()).await)),
            };
            if send {
                if let Err(failure) = send_record(self.encoding, &record, out).await? {
                    return Ok(Err(self.stream_failed(in_tx, failure.into()).await));
                }
            }
            done += 1;
        }
        if !exhausted {
            match next_record(open.stream.as_mut(), out).await? {
                Ok(Some(record)) => open.peeked = Some(record),
                Ok(None) => exhausted = true,
                Err(e) => return Ok(Err(self.stream_failed(in_tx, e.into()).await)),
            }
        }
        open.pulling += started.elapsed();
        if !exhausted {
            self.streams.insert(key, open);
            return Ok(Ok(Done { meta: vec![("has_more".into(), true.into())], has_more: true }));
        }
        let summary = open.stream.summary();
        let OpenStream { stream, db, pulling, .. } = open;
        drop(stream);
        let mut meta = Dictionary::new();
        if !in_tx {
            let Some(auto) = self.tx.take() else {
                return Ok(Err(Failure::request_invalid("the auto-commit transaction is gone").into()));
            };
            match auto.tx.commit().await {
                Ok(bookmark) => meta.push(("bookmark".into(), bookmark.into())),
                Err(e) => return Ok(Err(e.into())),
            }
        }
        let t_last = i64::try_from(pulling.as_millis()).unwrap_or(i64::MAX);
        match self.summary_metadata(&summary, db, t_last) {
            Ok(summary) => meta.extend(summary),
            Err(reject) => return Ok(Err(reject)),
        }
        Ok(Ok(Done::with(meta)))
    }

    /// A result failed while streaming: in auto-commit its transaction is rolled back.
    async fn stream_failed(&mut self, in_tx: bool, reject: Reject) -> Reject {
        if !in_tx {
            self.abandon_auto_commit().await;
        }
        reject
    }

    async fn abandon_auto_commit(&mut self) {
        self.streams.remove(&LAST_QUERY);
        if let Some(auto) = self.tx.take() {
            if let Err(e) = auto.tx.rollback().await {
                tracing::debug!(error = %e, "rollback of a failed auto-commit query failed");
            }
        }
    }

    fn summary_metadata(&self, summary: &QuerySummary, db: String, t_last: i64) -> Result<Dictionary, Reject> {
        let mut meta: Dictionary = vec![
            ("type".into(), summary.kind.code().into()),
            ("t_last".into(), PackValue::Integer(t_last)),
            ("db".into(), db.into()),
        ];
        let counters = summary.stats.named();
        if !counters.is_empty() {
            let mut stats: Dictionary = counters
                .into_iter()
                .map(|(name, n)| (name.to_string(), PackValue::Integer(i64::try_from(n).unwrap_or(i64::MAX))))
                .collect();
            if summary.stats.contains_updates() {
                stats.push(("contains-updates".into(), true.into()));
            }
            if summary.stats.system_updates > 0 {
                stats.push(("contains-system-updates".into(), true.into()));
            }
            meta.push(("stats".into(), PackValue::Dictionary(stats)));
        }
        if let Some(plan) = &summary.plan {
            let key = if summary.profiled { "profile" } else { "plan" };
            meta.push((key.into(), self.encoding.pack(plan).map_err(Reject::from)?));
        }
        if !summary.notifications.is_empty() {
            meta.push(self.notifications(summary));
        }
        Ok(meta)
    }

    /// Notifications as `notifications` up to 5.5 and as GQL `statuses` from 5.6.
    fn notifications(&self, summary: &QuerySummary) -> (String, PackValue) {
        let s = |v: &str| PackValue::String(v.to_string());
        let gql = self.session.version().at_least(5, 6);
        let items = summary
            .notifications
            .iter()
            .map(|(code, title, description)| {
                let entries = if gql {
                    vec![
                        ("gql_status".to_string(), s("01N00")),
                        ("status_description".to_string(), s(&format!("warn: {description}"))),
                        ("neo4j_code".to_string(), s(code)),
                        ("title".to_string(), s(title)),
                        ("description".to_string(), s(description)),
                        (
                            "diagnostic_record".to_string(),
                            PackValue::Dictionary(vec![
                                ("_severity".to_string(), s("WARNING")),
                                ("_classification".to_string(), s("GENERIC")),
                            ]),
                        ),
                    ]
                } else {
                    vec![
                        ("code".to_string(), s(code)),
                        ("title".to_string(), s(title)),
                        ("description".to_string(), s(description)),
                        ("severity".to_string(), s("WARNING")),
                        ("category".to_string(), s("GENERIC")),
                    ]
                };
                PackValue::Dictionary(entries)
            })
            .collect();
        (if gql { "statuses" } else { "notifications" }.to_string(), PackValue::List(items))
    }
}

/// The stream's next record; when it is not ready at once, what is buffered goes out
/// first, so the client sees the records of a slow query as they come.
async fn next_record<W: AsyncWrite + Unpin + Send>(
    stream: &mut dyn QueryStream,
    out: &mut Outbox<W>,
) -> std::io::Result<CypherResult<Option<Vec<Value>>>> {
    let next = stream.next();
    tokio::pin!(next);
    let ready = tokio::select! {
        biased;
        record = &mut next => Some(record),
        () = std::future::ready(()) => None,
    };
    match ready {
        Some(record) => Ok(record),
        None => {
            out.flush().await?;
            Ok(next.await)
        }
    }
}

/// Encodes and buffers one RECORD; `Ok(Err(..))` when it cannot be encoded.
async fn send_record<W: AsyncWrite + Unpin + Send>(
    encoding: Encoding,
    record: &[Value],
    out: &mut Outbox<W>,
) -> std::io::Result<Result<(), Failure>> {
    let fields = match encoding.record(record) {
        Ok(fields) => fields,
        Err(e) => return Ok(Err(Reject::from(e).failure)),
    };
    match out.send_record(fields).await {
        Ok(()) => Ok(Ok(())),
        Err(SendError::Io(e)) => Err(e),
        Err(SendError::Encode(e)) => Ok(Err(Failure::database_error(format!("a record cannot be sent: {e}")))),
    }
}

fn millis(since: Instant) -> PackValue {
    PackValue::Integer(i64::try_from(since.elapsed().as_millis()).unwrap_or(i64::MAX))
}
