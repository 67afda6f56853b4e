//! [`KvTransaction`]: reads through a snapshot plus pending writes, buffers writes, and
//! commits them as one batch; maintains index and TTL entries alongside every row.

use super::bulk::KvBulkLoad;
use super::conflicts::WriteLog;
use super::scanner::MergedScanner;
use super::Inner;
use crate::codec::{key, row};
use crate::engine::{prefix_end, KeyRange, KvPair, KvSnapshot, WriteBatch};
use crate::error::{StorageError, StorageResult};
use crate::metrics::Operation;
use crate::schema::{StoredIndex, TableSchema};
use crate::table::{
    layout, now_millis, Row, ScanOptions, ScanPage, ScanPosition, TableHandle, Transaction, TxnOptions,
};
use crate::value::Value;
use async_trait::async_trait;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Bound;
use std::sync::Arc;
use std::time::Instant;

/// A row as stored: values by physical slot (padded to the current schema) and expiry.
pub(super) struct StoredRow {
    pub(super) physical: Vec<Value>,
    pub(super) expires_at: Option<i64>,
}

impl StoredRow {
    pub(super) fn visible(&self, now: i64) -> bool {
        self.expires_at.is_none_or(|at| at > now)
    }
}

pub(super) fn decode_stored(schema: &TableSchema, bytes: &[u8]) -> StorageResult<StoredRow> {
    let decoded = row::decode_row(bytes)?;
    Ok(StoredRow { physical: schema.to_physical(schema.to_live(decoded.values)), expires_at: decoded.expires_at })
}

pub(super) fn pk_bytes(schema: &TableSchema, physical: &[Value]) -> StorageResult<Vec<u8>> {
    let mut out = Vec::new();
    for slot in &schema.primary_key {
        key::encode_value(&mut out, &physical[*slot])?;
    }
    Ok(out)
}

fn key_bytes(schema: &TableSchema, values: &[Value]) -> StorageResult<Vec<u8>> {
    if values.len() != schema.primary_key.len() {
        return Err(StorageError::InvalidArgument(format!(
            "table \"{}\" has a {}-column primary key but {} values were given",
            schema.name,
            schema.primary_key.len(),
            values.len()
        )));
    }
    key::encode_values(values)
}

/// The entry key of `physical` in `index`.
pub(super) fn index_entry_key(
    schema: &TableSchema,
    index: &StoredIndex,
    physical: &[Value],
    pk: &[u8],
) -> StorageResult<(Vec<u8>, bool)> {
    let mut values = Vec::new();
    let mut has_null = false;
    for slot in &index.slots {
        let v = &physical[*slot];
        has_null |= v.is_null();
        key::encode_value(&mut values, v)?;
    }
    let exclusive = index.unique && !has_null;
    let suffix = if exclusive { None } else { Some(pk) };
    Ok((layout::index_key(schema.id, index.id, &values, suffix), exclusive))
}

/// Turns value bounds into a key range under `prefix`.
fn bounded_range(prefix: &[u8], options: &ScanOptions) -> StorageResult<KeyRange> {
    let with = |values: &Vec<Value>| -> StorageResult<Vec<u8>> {
        let mut k = prefix.to_vec();
        k.extend_from_slice(&key::encode_values(values)?);
        Ok(k)
    };
    let end_of = |k: Vec<u8>| prefix_end(&k).ok_or_else(|| StorageError::InvalidArgument("unbounded key".into()));
    let start = match &options.lower {
        Bound::Unbounded => Bound::Included(prefix.to_vec()),
        Bound::Included(v) => Bound::Included(with(v)?),
        Bound::Excluded(v) => Bound::Included(end_of(with(v)?)?),
    };
    let end = match &options.upper {
        Bound::Unbounded => Bound::Excluded(end_of(prefix.to_vec())?),
        Bound::Included(v) => Bound::Excluded(end_of(with(v)?)?),
        Bound::Excluded(v) => Bound::Excluded(with(v)?),
    };
    Ok(KeyRange { start, end })
}

/// Narrows `range` (keys under `prefix`) to the keys after `after` in scan order; a
/// position outside the range leaves it as it is.
fn continue_after(range: &mut KeyRange, prefix: &[u8], after: &ScanPosition, reverse: bool) {
    let mut key = prefix.to_vec();
    key.extend_from_slice(after.as_bytes());
    if reverse {
        let narrows = match &range.end {
            Bound::Included(end) | Bound::Excluded(end) => key <= *end,
            Bound::Unbounded => true,
        };
        if narrows {
            range.end = Bound::Excluded(key);
        }
    } else {
        let narrows = match &range.start {
            Bound::Included(start) | Bound::Excluded(start) => key >= *start,
            Bound::Unbounded => true,
        };
        if narrows {
            range.start = Bound::Excluded(key);
        }
    }
}

/// A raw-keyspace range (relative bounds) as an engine key range under `prefix`.
fn raw_range(prefix: &[u8], range: &KeyRange) -> StorageResult<KeyRange> {
    let under = |k: &Vec<u8>| {
        let mut full = Vec::with_capacity(prefix.len() + k.len());
        full.extend_from_slice(prefix);
        full.extend_from_slice(k);
        full
    };
    let start = match &range.start {
        Bound::Unbounded => Bound::Included(prefix.to_vec()),
        Bound::Included(k) => Bound::Included(under(k)),
        Bound::Excluded(k) => Bound::Excluded(under(k)),
    };
    let end = match &range.end {
        Bound::Unbounded => {
            Bound::Excluded(prefix_end(prefix).ok_or_else(|| StorageError::InvalidArgument("unbounded key".into()))?)
        }
        Bound::Included(k) => Bound::Included(under(k)),
        Bound::Excluded(k) => Bound::Excluded(under(k)),
    };
    Ok(KeyRange { start, end })
}

pub struct KvTransaction {
    inner: Arc<Inner>,
    /// The view reads go through; `None` with [`TxnOptions::latest_reads`].
    snapshot: Option<Arc<dyn KvSnapshot>>,
    options: TxnOptions,
    start: u64,
    /// Commit sequence the current snapshot holds (`start` until [`Transaction::refresh_snapshot`]).
    base: u64,
    /// Keys first written after a refresh, with the snapshot sequence they were based on
    /// (other keys were based on `start`).
    rebased: HashMap<Vec<u8>, u64>,
    writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// Tables written, with the schema version the writes were made under.
    tables: HashMap<u32, u32>,
    /// Bulk loads this transaction owns; published by its commit.
    loads: Vec<KvBulkLoad>,
    /// Registered among the active transactions (what conflict checks and snapshot
    /// readers need); a transaction with neither is not, which saves two lock round
    /// trips per transaction on the serialized writers' path.
    registered: bool,
    open: bool,
}

impl KvTransaction {
    pub(crate) fn new(inner: Arc<Inner>, options: TxnOptions) -> Self {
        let registered = options.conflict_tracking || !options.latest_reads;
        let start = if registered { inner.commits.begin() } else { inner.commits.current() };
        let snapshot = if options.latest_reads { None } else { Some(inner.engine.snapshot()) };
        KvTransaction {
            inner,
            snapshot,
            options,
            start,
            base: start,
            rebased: HashMap::new(),
            writes: BTreeMap::new(),
            tables: HashMap::new(),
            loads: Vec::new(),
            registered,
            open: true,
        }
    }

    fn end_registration(&self) {
        if self.registered {
            self.inner.commits.end(self.start);
        }
    }

    pub(crate) fn has_writes(&self) -> bool {
        !self.writes.is_empty()
    }

    fn ensure_open(&self) -> StorageResult<()> {
        if self.open {
            Ok(())
        } else {
            Err(StorageError::TransactionClosed)
        }
    }

    fn schema(&self, table: &str) -> StorageResult<Arc<TableSchema>> {
        self.ensure_open()?;
        let schema = self.inner.table(table)?;
        if let Some(load) = self.own_load(schema.id) {
            return Ok(load.shadow_schema());
        }
        if self.snapshot.is_none() {
            return Ok(schema);
        }
        // A snapshot older than a bulk load's publish sees the table as it was before.
        Ok(self.inner.bulk.as_of(schema, self.base))
    }

    /// The schema for writing to `table`; all writes of a transaction to one table must
    /// be made under one schema version.
    fn schema_for_write(&mut self, table: &str) -> StorageResult<Arc<TableSchema>> {
        let schema = self.schema(table)?;
        self.track(&schema)?;
        Ok(schema)
    }

    fn track(&mut self, schema: &TableSchema) -> StorageResult<()> {
        let version = *self.tables.entry(schema.id).or_insert(schema.version);
        if version != schema.version {
            return Err(StorageError::Conflict);
        }
        Ok(())
    }

    fn own_load(&self, table_id: u32) -> Option<&KvBulkLoad> {
        self.loads.iter().find(|l| l.target_id() == table_id)
    }

    /// Whether `key` is in the hidden keyspace of one of this transaction's loads, which
    /// its snapshot does not hold (reads there see the latest state: only the load writes it).
    fn in_own_load(&self, key: &[u8]) -> bool {
        !self.loads.is_empty() && self.loads.iter().any(|l| key.starts_with(&layout::table_prefix(l.shadow_id())))
    }

    async fn read(&self, key: &[u8]) -> StorageResult<Option<Vec<u8>>> {
        match self.writes.get(key) {
            Some(pending) => Ok(pending.clone()),
            None if self.in_own_load(key) => self.inner.engine.get(key).await,
            None => match &self.snapshot {
                Some(snapshot) => snapshot.get(key).await,
                None => self.inner.engine.get(key).await,
            },
        }
    }

    /// The view one scan reads: the transaction's snapshot, or with latest reads a
    /// fresh one.
    fn scan_view(&self) -> Arc<dyn KvSnapshot> {
        match &self.snapshot {
            Some(snapshot) => snapshot.clone(),
            None => self.inner.engine.snapshot(),
        }
    }

    /// The view a scan of table `table_id` reads (a fresh one for a table this
    /// transaction loads in bulk).
    fn view_of(&self, table_id: u32) -> Arc<dyn KvSnapshot> {
        if !self.loads.is_empty() && self.loads.iter().any(|l| l.shadow_id() == table_id) {
            return self.inner.engine.snapshot();
        }
        self.scan_view()
    }

    async fn start_bulk_load(&mut self, table: &str) -> StorageResult<bool> {
        self.ensure_open()?;
        let schema = self.inner.table(table)?;
        let prefix = layout::table_prefix(schema.id);
        let wrote = self.tables.contains_key(&schema.id)
            || self.writes.range(prefix.clone()..).next().is_some_and(|(k, _)| k.starts_with(&prefix));
        if wrote || self.own_load(schema.id).is_some() {
            return Ok(false);
        }
        match super::bulk::begin(&self.inner, table).await? {
            Some(load) => {
                self.loads.push(load);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn load_row(&mut self, table: &str, row: Row) -> StorageResult<()> {
        self.ensure_open()?;
        // A load's table cannot be renamed while it runs (that fails its publish anyway).
        if let Some(i) = self.loads.iter().position(|l| l.target_name() == table) {
            // Once this transaction changed loaded rows, the loader's checks (which see
            // only what it wrote) no longer suffice: rows go the transactional way.
            let prefix = layout::table_prefix(self.loads[i].shadow_id());
            let touched = self.writes.range(prefix.clone()..).next().is_some_and(|(k, _)| k.starts_with(&prefix));
            if !touched {
                return self.loads[i].add(row).await;
            }
        }
        self.write_row(table, row, None, false).await.map(|_| ())
    }

    async fn flush_load(&mut self, table: &str) -> StorageResult<()> {
        self.ensure_open()?;
        let id = self.inner.table(table)?.id;
        match self.loads.iter_mut().find(|l| l.target_id() == id) {
            Some(load) => load.flush().await,
            None => Ok(()),
        }
    }

    /// Writes through `table` must all be made under the version it was resolved at.
    fn track_handle(&mut self, table: &TableHandle) -> StorageResult<()> {
        self.ensure_open()?;
        let version = *self.tables.entry(table.id()).or_insert(table.version());
        if version != table.version() {
            return Err(StorageError::Conflict);
        }
        Ok(())
    }

    async fn raw_get(&self, table: &TableHandle, key: &[u8]) -> StorageResult<Option<Vec<u8>>> {
        self.ensure_open()?;
        self.read(&layout::raw_key(table.id(), key)).await
    }

    fn raw_put(&mut self, table: &TableHandle, key: &[u8], value: Vec<u8>) -> StorageResult<()> {
        self.track_handle(table)?;
        self.put(layout::raw_key(table.id(), key), value);
        Ok(())
    }

    fn raw_delete(&mut self, table: &TableHandle, key: &[u8]) -> StorageResult<()> {
        self.track_handle(table)?;
        self.remove(layout::raw_key(table.id(), key));
        Ok(())
    }

    async fn raw_scan(
        &self,
        table: &TableHandle,
        range: &KeyRange,
        reverse: bool,
        limit: usize,
    ) -> StorageResult<Vec<KvPair>> {
        self.ensure_open()?;
        let prefix = layout::raw_prefix(table.id());
        let full = raw_range(&prefix, range)?;
        let view = self.scan_view();
        let mut scanner = MergedScanner::new(view.as_ref(), &self.writes, full, reverse, limit);
        let mut out = Vec::new();
        while out.len() < limit {
            let Some((mut key, value)) = scanner.next().await? else { break };
            key.drain(..prefix.len());
            out.push((key, value));
        }
        Ok(out)
    }

    fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.note_base(&key);
        self.writes.insert(key, Some(value));
    }

    fn remove(&mut self, key: Vec<u8>) {
        self.note_base(&key);
        self.writes.insert(key, None);
    }

    fn note_base(&mut self, key: &[u8]) {
        if self.base != self.start && !self.writes.contains_key(key) && !self.rebased.contains_key(key) {
            self.rebased.insert(key.to_vec(), self.base);
        }
    }

    async fn load(&self, schema: &TableSchema, pk: &[u8]) -> StorageResult<Option<StoredRow>> {
        match self.read(&layout::row_key(schema.id, pk)).await? {
            Some(bytes) => Ok(Some(decode_stored(schema, &bytes)?)),
            None => Ok(None),
        }
    }

    async fn load_visible(&self, schema: &TableSchema, pk: &[u8]) -> StorageResult<Option<StoredRow>> {
        let now = now_millis();
        Ok(self.load(schema, pk).await?.filter(|r| r.visible(now)))
    }

    /// Fails when another visible row holds one of `physical`'s unique index values.
    async fn check_unique(&self, schema: &TableSchema, physical: &[Value], pk: &[u8]) -> StorageResult<()> {
        for index in schema.indexes.iter().filter(|i| i.unique) {
            let (entry, exclusive) = index_entry_key(schema, index, physical, pk)?;
            if !exclusive {
                continue;
            }
            if let Some(owner) = self.read(&entry).await? {
                if owner != pk && self.load_visible(schema, &owner).await?.is_some() {
                    return Err(StorageError::UniqueViolation {
                        table: schema.name.clone(),
                        index: index.name.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Index and TTL entries of a row; a unique entry is removed only while it still
    /// points at this row (an expired row's value may have been taken over).
    async fn remove_entries(&mut self, schema: &TableSchema, stored: &StoredRow, pk: &[u8]) -> StorageResult<()> {
        for index in &schema.indexes {
            let (entry, exclusive) = index_entry_key(schema, index, &stored.physical, pk)?;
            if exclusive && self.read(&entry).await?.as_deref() != Some(pk) {
                continue;
            }
            self.remove(entry);
        }
        if let Some(at) = stored.expires_at {
            self.remove(layout::ttl_key(at, schema.id, pk));
        }
        Ok(())
    }

    fn add_row(
        &mut self,
        schema: &TableSchema,
        physical: &[Value],
        pk: &[u8],
        expires_at: Option<i64>,
    ) -> StorageResult<()> {
        for index in &schema.indexes {
            let (entry, _) = index_entry_key(schema, index, physical, pk)?;
            self.put(entry, pk.to_vec());
        }
        if let Some(at) = expires_at {
            self.put(layout::ttl_key(at, schema.id, pk), Vec::new());
        }
        self.put(layout::row_key(schema.id, pk), row::encode_row(physical, expires_at));
        Ok(())
    }

    async fn write_row(
        &mut self,
        table: &str,
        live: Row,
        expires_at: Option<i64>,
        replace: bool,
    ) -> StorageResult<Option<Row>> {
        let schema = self.schema_for_write(table)?;
        schema.check_row(&live)?;
        let physical = schema.to_physical(live);
        let pk = pk_bytes(&schema, &physical)?;
        let now = now_millis();
        let mut replaced = None;
        if let Some(old) = self.load(&schema, &pk).await? {
            let visible = old.visible(now);
            if visible && !replace {
                return Err(StorageError::DuplicateKey { table: schema.name.clone() });
            }
            self.remove_entries(&schema, &old, &pk).await?;
            if visible {
                replaced = Some(schema.to_live(old.physical));
            }
        }
        self.check_unique(&schema, &physical, &pk).await?;
        self.add_row(&schema, &physical, &pk, expires_at)?;
        Ok(replaced)
    }

    async fn update_row(&mut self, table: &str, key_values: &[Value], live: Row) -> StorageResult<bool> {
        let schema = self.schema_for_write(table)?;
        let old_pk = key_bytes(&schema, key_values)?;
        let Some(old) = self.load_visible(&schema, &old_pk).await? else { return Ok(false) };
        schema.check_row(&live)?;
        let physical = schema.to_physical(live);
        let new_pk = pk_bytes(&schema, &physical)?;
        self.remove_entries(&schema, &old, &old_pk).await?;
        if new_pk != old_pk {
            if let Some(occupant) = self.load(&schema, &new_pk).await? {
                if occupant.visible(now_millis()) {
                    return Err(StorageError::DuplicateKey { table: schema.name.clone() });
                }
                self.remove_entries(&schema, &occupant, &new_pk).await?;
            }
            self.remove(layout::row_key(schema.id, &old_pk));
        }
        self.check_unique(&schema, &physical, &new_pk).await?;
        self.add_row(&schema, &physical, &new_pk, old.expires_at)?;
        Ok(true)
    }

    async fn delete_row(&mut self, table: &str, key_values: &[Value]) -> StorageResult<Option<Row>> {
        let schema = self.schema_for_write(table)?;
        let pk = key_bytes(&schema, key_values)?;
        let Some(old) = self.load_visible(&schema, &pk).await? else { return Ok(None) };
        self.remove_entries(&schema, &old, &pk).await?;
        self.remove(layout::row_key(schema.id, &pk));
        Ok(Some(schema.to_live(old.physical)))
    }

    async fn get_row(&self, table: &str, key_values: &[Value]) -> StorageResult<Option<Row>> {
        let schema = self.schema(table)?;
        let pk = key_bytes(&schema, key_values)?;
        Ok(self.load_visible(&schema, &pk).await?.map(|r| schema.to_live(r.physical)))
    }

    async fn scan_rows(&self, table: &str, options: &ScanOptions) -> StorageResult<Vec<Row>> {
        let limit = options.limit.unwrap_or(usize::MAX);
        Ok(self.read_rows(table, None, options, None, limit, false).await?.rows)
    }

    async fn scan_index(&self, table: &str, index: &str, options: &ScanOptions) -> StorageResult<Vec<Row>> {
        let limit = options.limit.unwrap_or(usize::MAX);
        Ok(self.read_rows(table, Some(index), options, None, limit, false).await?.rows)
    }

    /// Up to `max_rows` visible rows of `table` in primary-key order (or in the order of
    /// `index`), after `after`. With `paged`, the page's `next` says whether more follow
    /// (one more visible row is looked for); without, `next` is left `None`.
    async fn read_rows(
        &self,
        table: &str,
        index: Option<&str>,
        options: &ScanOptions,
        after: Option<&ScanPosition>,
        max_rows: usize,
        paged: bool,
    ) -> StorageResult<ScanPage> {
        let schema = self.schema(table)?;
        let prefix = match index {
            None => layout::rows_prefix(schema.id),
            Some(name) => {
                let index = schema.index(name).ok_or_else(|| StorageError::IndexNotFound(name.to_string()))?;
                layout::index_prefix(schema.id, index.id)
            }
        };
        let mut range = bounded_range(&prefix, options)?;
        if let Some(after) = after {
            continue_after(&mut range, &prefix, after, options.reverse);
        }
        let now = now_millis();
        let view = self.view_of(schema.id);
        let hint = if paged { max_rows.saturating_add(1) } else { max_rows };
        let mut scanner = MergedScanner::new(view.as_ref(), &self.writes, range, options.reverse, hint);
        let mut page = ScanPage::default();
        let mut last: Option<Vec<u8>> = None;
        while page.rows.len() < max_rows || paged {
            let Some((key, bytes)) = scanner.next().await? else { return Ok(page) };
            let stored = match index {
                None => Some(decode_stored(&schema, &bytes)?).filter(|r| r.visible(now)),
                Some(_) => self.load_visible(&schema, &bytes).await?,
            };
            let Some(stored) = stored else { continue };
            if page.rows.len() >= max_rows {
                // A visible row beyond the page: the scan continues after the page's last.
                page.next = last.map(|k| ScanPosition::from_bytes(k[prefix.len().min(k.len())..].to_vec()));
                return Ok(page);
            }
            page.rows.push(schema.to_live(stored.physical));
            if paged {
                last = Some(key);
            }
        }
        Ok(page)
    }

    async fn set_row_expiry(
        &mut self,
        table: &str,
        key_values: &[Value],
        expires_at: Option<i64>,
    ) -> StorageResult<bool> {
        let schema = self.schema_for_write(table)?;
        let pk = key_bytes(&schema, key_values)?;
        let Some(old) = self.load_visible(&schema, &pk).await? else { return Ok(false) };
        if let Some(at) = old.expires_at {
            self.remove(layout::ttl_key(at, schema.id, &pk));
        }
        if let Some(at) = expires_at {
            self.put(layout::ttl_key(at, schema.id, &pk), Vec::new());
        }
        self.put(layout::row_key(schema.id, &pk), row::encode_row(&old.physical, expires_at));
        Ok(true)
    }

    /// Deletes up to `limit` rows whose expiry is at or before `now`, with their index
    /// entries, and drops stale TTL entries. Returns the number of rows deleted.
    pub(crate) async fn purge_expired(&mut self, now: i64, limit: usize) -> StorageResult<u64> {
        self.ensure_open()?;
        let range = KeyRange {
            start: Bound::Included(layout::ttl_prefix()),
            end: Bound::Excluded(layout::ttl_upper_bound(now)),
        };
        let mut due = Vec::new();
        {
            let view = self.scan_view();
            let mut scanner = MergedScanner::new(view.as_ref(), &self.writes, range, false, limit);
            while due.len() < limit {
                let Some((entry, _)) = scanner.next().await? else { break };
                due.push(entry);
            }
        }
        let mut removed = 0;
        for entry in due {
            let Some((at, table_id, pk)) = layout::parse_ttl_key(&entry) else {
                self.remove(entry);
                continue;
            };
            let pk = pk.to_vec();
            let Some(schema) = self.inner.table_by_id(table_id) else {
                if !self.inner.bulk.is_shadow(table_id) {
                    self.remove(entry);
                }
                continue;
            };
            self.track(&schema)?;
            match self.load(&schema, &pk).await? {
                Some(stored) if stored.expires_at == Some(at) => {
                    self.remove_entries(&schema, &stored, &pk).await?;
                    self.remove(layout::row_key(schema.id, &pk));
                    removed += 1;
                }
                _ => self.remove(entry),
            }
        }
        Ok(removed)
    }

    async fn commit_inner(&mut self) -> StorageResult<()> {
        self.ensure_open()?;
        self.open = false;
        let result = self.apply().await;
        self.end_registration();
        result
    }

    async fn apply(&mut self) -> StorageResult<()> {
        if self.writes.is_empty() && self.loads.is_empty() {
            return Ok(());
        }
        for load in &mut self.loads {
            load.flush().await?;
        }
        let mut log: tokio::sync::MutexGuard<'_, WriteLog> = self.inner.commit_lock.lock().await;
        for (id, version) in &self.tables {
            if self.loads.iter().any(|l| l.shadow_id() == *id) {
                continue; // published below
            }
            match self.inner.table_by_id(*id) {
                // A bulk load owns the table until it publishes.
                Some(_) if self.inner.bulk.is_loading(*id) => return Err(StorageError::Conflict),
                Some(schema) if schema.version == *version => {}
                // Dropped, truncated or altered since these writes were made.
                _ => return Err(StorageError::Conflict),
            }
        }
        let (start, rebased) = (self.start, &self.rebased);
        let base = |k: &[u8]| rebased.get(k).copied().unwrap_or(start);
        if self.options.conflict_tracking && self.inner.commits.conflicts_since(&log, self.writes.keys(), base) {
            return Err(StorageError::Conflict);
        }
        let writes = std::mem::take(&mut self.writes);
        let mut batch = WriteBatch::new();
        batch.ops.reserve(writes.len());
        for (k, v) in &writes {
            match v {
                Some(v) => batch.put(k.clone(), v.clone()),
                None => batch.delete(k.clone()),
            }
        }
        let mut published = Vec::with_capacity(self.loads.len());
        for load in &self.loads {
            published.push(load.publish_into(&mut batch)?);
        }
        self.inner.engine.write(batch).await?;
        let seq = self.inner.commits.current() + 1;
        for (load, new) in std::mem::take(&mut self.loads).into_iter().zip(published) {
            load.published(new, seq);
        }
        self.inner.commits.record(&mut log, writes.keys());
        self.inner.commits.prune(&mut log);
        Ok(())
    }
}

impl Drop for KvTransaction {
    fn drop(&mut self) {
        if self.open {
            self.end_registration();
        }
    }
}

/// Index entries for every visible row of `schema`, for building `index`.
pub(super) async fn build_index(inner: &Inner, schema: &TableSchema, index: &StoredIndex) -> StorageResult<WriteBatch> {
    let snapshot = inner.engine.snapshot();
    let writes = BTreeMap::new();
    let range = KeyRange::prefix(&layout::rows_prefix(schema.id));
    let mut scanner = MergedScanner::new(snapshot.as_ref(), &writes, range, false, 1024);
    let now = now_millis();
    let mut batch = WriteBatch::new();
    let mut seen = HashSet::new();
    while let Some((row_key, bytes)) = scanner.next().await? {
        let stored = decode_stored(schema, &bytes)?;
        if !stored.visible(now) {
            continue;
        }
        let pk = layout::pk_of_row_key(schema.id, &row_key).to_vec();
        let (entry, exclusive) = index_entry_key(schema, index, &stored.physical, &pk)?;
        if exclusive && !seen.insert(entry.clone()) {
            return Err(StorageError::UniqueViolation { table: schema.name.clone(), index: index.name.clone() });
        }
        batch.put(entry, pk);
    }
    Ok(batch)
}

macro_rules! timed {
    ($self:ident, $op:expr, $body:expr) => {{
        let started = Instant::now();
        let result = $body;
        $self.inner.metrics.measure($op, started, result)
    }};
}

#[async_trait]
impl Transaction for KvTransaction {
    async fn insert(&mut self, table: &str, row: Row) -> StorageResult<()> {
        timed!(self, Operation::Insert, self.write_row(table, row, None, false).await.map(|_| ()))
    }

    async fn insert_with_expiry(&mut self, table: &str, row: Row, expires_at: Option<i64>) -> StorageResult<()> {
        timed!(self, Operation::Insert, self.write_row(table, row, expires_at, false).await.map(|_| ()))
    }

    async fn upsert(&mut self, table: &str, row: Row) -> StorageResult<Option<Row>> {
        timed!(self, Operation::Upsert, self.write_row(table, row, None, true).await)
    }

    async fn upsert_with_expiry(
        &mut self,
        table: &str,
        row: Row,
        expires_at: Option<i64>,
    ) -> StorageResult<Option<Row>> {
        timed!(self, Operation::Upsert, self.write_row(table, row, expires_at, true).await)
    }

    async fn update(&mut self, table: &str, key: &[Value], row: Row) -> StorageResult<bool> {
        timed!(self, Operation::Update, self.update_row(table, key, row).await)
    }

    async fn delete(&mut self, table: &str, key: &[Value]) -> StorageResult<Option<Row>> {
        timed!(self, Operation::Delete, self.delete_row(table, key).await)
    }

    async fn get(&mut self, table: &str, key: &[Value]) -> StorageResult<Option<Row>> {
        timed!(self, Operation::Get, self.get_row(table, key).await)
    }

    async fn scan(&mut self, table: &str, options: &ScanOptions) -> StorageResult<Vec<Row>> {
        timed!(self, Operation::Scan, self.scan_rows(table, options).await)
    }

    async fn index_scan(&mut self, table: &str, index: &str, options: &ScanOptions) -> StorageResult<Vec<Row>> {
        timed!(self, Operation::IndexScan, self.scan_index(table, index, options).await)
    }

    async fn scan_page(
        &mut self,
        table: &str,
        options: &ScanOptions,
        after: Option<&ScanPosition>,
        max_rows: usize,
    ) -> StorageResult<ScanPage> {
        timed!(self, Operation::Scan, self.read_rows(table, None, options, after, max_rows.max(1), true).await)
    }

    async fn index_scan_page(
        &mut self,
        table: &str,
        index: &str,
        options: &ScanOptions,
        after: Option<&ScanPosition>,
        max_rows: usize,
    ) -> StorageResult<ScanPage> {
        timed!(
            self,
            Operation::IndexScan,
            self.read_rows(table, Some(index), options, after, max_rows.max(1), true).await
        )
    }

    async fn set_expiry(&mut self, table: &str, key: &[Value], expires_at: Option<i64>) -> StorageResult<bool> {
        timed!(self, Operation::Update, self.set_row_expiry(table, key, expires_at).await)
    }

    async fn get_expiry(&mut self, table: &str, key: &[Value]) -> StorageResult<Option<Option<i64>>> {
        timed!(
            self,
            Operation::Get,
            async {
                let schema = self.schema(table)?;
                let pk = key_bytes(&schema, key)?;
                Ok(self.load_visible(&schema, &pk).await?.map(|r| r.expires_at))
            }
            .await
        )
    }

    async fn bulk_load(&mut self, table: &str) -> StorageResult<bool> {
        timed!(self, Operation::Ddl, self.start_bulk_load(table).await)
    }

    async fn bulk_insert(&mut self, table: &str, row: Row) -> StorageResult<()> {
        timed!(self, Operation::Insert, self.load_row(table, row).await)
    }

    async fn bulk_flush(&mut self, table: &str) -> StorageResult<()> {
        self.flush_load(table).await
    }

    async fn kv_get(&mut self, table: &TableHandle, key: &[u8]) -> StorageResult<Option<Vec<u8>>> {
        timed!(self, Operation::Get, self.raw_get(table, key).await)
    }

    async fn kv_put(&mut self, table: &TableHandle, key: &[u8], value: Vec<u8>) -> StorageResult<()> {
        timed!(self, Operation::Upsert, self.raw_put(table, key, value))
    }

    async fn kv_delete(&mut self, table: &TableHandle, key: &[u8]) -> StorageResult<()> {
        timed!(self, Operation::Delete, self.raw_delete(table, key))
    }

    async fn kv_scan(
        &mut self,
        table: &TableHandle,
        range: &KeyRange,
        reverse: bool,
        limit: usize,
    ) -> StorageResult<Vec<KvPair>> {
        timed!(self, Operation::Scan, self.raw_scan(table, range, reverse, limit).await)
    }

    async fn refresh_snapshot(&mut self) -> StorageResult<()> {
        self.ensure_open()?;
        // The sequence first: the snapshot then holds at least every commit up to it.
        self.base = self.inner.commits.current();
        if self.snapshot.is_some() {
            self.snapshot = Some(self.inner.engine.snapshot());
        }
        Ok(())
    }

    fn snapshot_is_current(&self) -> bool {
        self.inner.commits.current() == self.base
    }

    async fn commit(mut self: Box<Self>) -> StorageResult<()> {
        timed!(self, Operation::Commit, self.commit_inner().await)
    }

    async fn rollback(mut self: Box<Self>) -> StorageResult<()> {
        timed!(self, Operation::Rollback, {
            self.ensure_open().map(|()| {
                self.open = false;
                self.writes.clear();
                self.loads.clear(); // each clears its hidden keyspace
                self.end_registration();
            })
        })
    }
}
