//! Query results streamed to the client instead of collected: the session side of
//! [`crate::exec::stream`].
//!
//! A wire listener that can send rows as they come asks for it with
//! [`Session::request_streaming`] before it runs a statement. When that statement is a
//! pipeline SELECT (see [`crate::exec::stream::pipeline_scan`]; PostgreSQL dialect, one
//! statement, no FOR UPDATE/SHARE, no data-modifying WITH), its output holds only the
//! first batch of rows and the rest waits in a [`QueryStream`] that the listener takes
//! with [`Session::take_stream`] and drains with [`Session::next_rows`], sending each
//! batch before it asks for the next. Memory stays bounded by one page of the scan.
//!
//! Transactions: a stream that began outside a transaction block keeps the statement's
//! own transaction (its snapshot) and commits it when the rows run out (or when it is
//! closed); one that began inside a block (BEGIN, or the extended protocol's implicit
//! transaction) reads each page through the block's transaction, and fails with 34000
//! once that block has ended. Cancel requests apply to every page; the statement
//! timeout to every page of a stream read in one go (a simple query, COPY TO), while a
//! portal or cursor read over several messages is timed only for its first page.

use crate::error::{sqlstate, SqlError};
use crate::exec::stream::RowStream;
use crate::session::Session;
use crate::timeouts::StatementTimer;
use orbit_storage::{Row, Transaction};

/// The remaining rows of a streamed query; see the module notes.
pub struct QueryStream {
    pub(crate) rows: RowStream,
    /// The statement's own transaction (a stream begun outside a block).
    pub(crate) own_tx: Option<Box<dyn Transaction>>,
    /// The block the stream reads in (see [`Session::block_generation`]).
    pub(crate) block: u64,
    pub(crate) timer: Option<StatementTimer>,
}

impl std::fmt::Debug for QueryStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryStream")
            .field("produced", &self.rows.produced())
            .field("own_transaction", &self.own_tx.is_some())
            .finish()
    }
}

impl QueryStream {
    /// Rows produced so far, the first batch included (the count of "SELECT n").
    pub fn produced(&self) -> u64 {
        self.rows.produced()
    }

    pub fn is_done(&self) -> bool {
        self.rows.is_done()
    }

    /// Stops applying the statement timeout to the pages still to come: for a stream the
    /// client reads across several messages (a portal, a cursor), where other statements
    /// may run in between and must not be cancelled by this one's timer.
    pub fn end_timeout(&mut self) {
        self.timer = None;
    }

    /// The command tag once every row was taken.
    pub fn tag(&self) -> String {
        format!("SELECT {}", self.produced())
    }
}

impl Session {
    /// Lets the next statement leave its rows in a [`QueryStream`] (see the module
    /// notes); the request lasts for that one statement.
    pub fn request_streaming(&mut self) {
        self.stream_requested = true;
    }

    /// The stream the last statement left, if it left one.
    pub fn take_stream(&mut self) -> Option<QueryStream> {
        self.open_stream.take()
    }

    /// Whether the statement being executed may open a stream (and no longer may after).
    pub(crate) fn take_stream_permission(&mut self) -> bool {
        std::mem::take(&mut self.stream_requested) && self.mysql.is_none()
    }

    /// The next rows of `stream`, empty once it is done (its own transaction is then
    /// committed). An error ends the stream; in a block it fails the block (the extended
    /// protocol's implicit one is rolled back).
    pub async fn next_rows(&mut self, stream: &mut QueryStream) -> Result<Vec<Row>, SqlError> {
        if stream.is_done() {
            return Ok(Vec::new());
        }
        let result = self.read_stream(stream).await;
        let result = match (&stream.timer, result) {
            (Some(timer), Err(e)) => Err(timer.describe(e)),
            (_, other) => other,
        };
        match &result {
            Ok(rows) if !rows.is_empty() && !stream.is_done() => {}
            Ok(_) => self.close_stream(stream).await?,
            Err(_) => {
                if let Some(tx) = stream.own_tx.take() {
                    let _ = tx.rollback().await;
                } else if stream.block == self.block_generation {
                    // As a failed statement of the block: an implicit block rolls back.
                    self.fail_extended().await;
                }
                stream.timer = None;
            }
        }
        result
    }

    async fn read_stream(&mut self, stream: &mut QueryStream) -> Result<Vec<Row>, SqlError> {
        let cancel = self.cancel.clone();
        if let Some(tx) = stream.own_tx.as_mut() {
            return stream.rows.next_batch(tx.as_mut(), &cancel).await;
        }
        let ended =
            || SqlError::new(sqlstate::INVALID_CURSOR_NAME, "the transaction the query was reading in has ended");
        if stream.block != self.block_generation {
            return Err(ended());
        }
        match self.tx.as_mut() {
            Some(tx) => stream.rows.next_batch(tx.as_mut(), &cancel).await,
            None => Err(ended()),
        }
    }

    /// Ends `stream` early or at its end: its own transaction commits (a streamed query
    /// may have drawn sequence values), its timer is disarmed.
    pub async fn close_stream(&mut self, stream: &mut QueryStream) -> Result<(), SqlError> {
        stream.timer = None;
        if let Some(tx) = stream.own_tx.take() {
            tx.commit().await?;
        }
        Ok(())
    }
}
