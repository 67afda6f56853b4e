//! `FOR doc IN collection`: for each input row, the documents the planner's access path
//! yields — a full scan read a page at a time (so a million-document cursor never holds
//! them all), a `_key`/`_id` lookup, `_key IN [...]`, the edges at a vertex, a
//! persistent-index lookup (also paged), one per value of an `IN` list, or the nearest
//! documents of a vector index (see [`super::vector_plan`]). scannedFull/scannedIndex count the documents
//! the loop hands on, as ArangoDB's do (`LIMIT 2` over a scan reports 2).
//! Paged reads decode only the attributes the plan's projection names, when it has one.

use super::context::{Ctx, PAGE};
use super::eval::{eval, non_negative, set};
use super::pipeline::{op, BoxNode, Node};
use super::plan::*;
use crate::ast::EdgeDirection;
use crate::error::{AqlError, AqlResult};
use crate::store::IndexLookup;
use crate::value::Value;
use std::collections::{HashSet, VecDeque};
use std::ops::Bound;
use std::sync::Arc;

/// The most documents one vector index search answers.
const MAX_NEAREST: usize = 100_000;

enum Source {
    /// Paged: a full scan or an index scan, with the position to resume from.
    Paged { lookup: Option<IndexLookup>, resume: Option<Vec<u8>>, started: bool },
    /// A loop over a collection the query writes: the keys it had when the loop began,
    /// each document read when its turn comes (a write moves a document in scan and
    /// index order, and the loop must not meet it twice).
    Keys(VecDeque<String>),
    /// A vector index search, widened while FILTERs after the loop drop its documents.
    Nearest(Box<Nearest>),
    /// Everything already fetched (key lookups, edges).
    Done,
}

/// The state of a vector index search: the LIMIT's offset + count nearest documents
/// first, then twice as many each time the pipeline asks for more (the revisions handed
/// on already are skipped).
struct Nearest {
    query: Value,
    wanted: usize,
    searched: usize,
    seen: HashSet<u64>,
    exhausted: bool,
}

struct ForCollection {
    input: BoxNode,
    plan: Arc<Plan>,
    idx: usize,
    row: Option<Row>,
    buffer: VecDeque<Value>,
    source: Source,
    /// The first page's size (what a LIMIT right after the loop needs, else [`PAGE`]).
    first_page: usize,
    /// The next page's size: each page doubles it, up to [`PAGE`].
    page_size: usize,
}

pub fn node(input: BoxNode, plan: Arc<Plan>, idx: usize) -> BoxNode {
    let first_page = first_page(&plan, idx);
    Box::new(ForCollection {
        input,
        plan,
        idx,
        row: None,
        buffer: VecDeque::new(),
        source: Source::Done,
        first_page,
        page_size: first_page,
    })
}

/// When the loop at `idx` is followed, past FILTERs and LETs only, by a LIMIT with
/// constant values, the documents it needs at least: offset + count (so `LIMIT 100` over
/// an index does not read a whole page of 1000 documents); otherwise [`PAGE`].
fn first_page(plan: &Plan, idx: usize) -> usize {
    let rest = plan.ops.get(idx + 1..).unwrap_or_default();
    let Some(next) = rest.iter().find(|op| !matches!(op, PlanOp::Filter(_) | PlanOp::Let { .. })) else {
        return PAGE;
    };
    let PlanOp::Limit { offset: CExpr::Lit(Value::Int(o)), count: CExpr::Lit(Value::Int(c)), .. } = next else {
        return PAGE;
    };
    let wanted = u64::try_from(*o).unwrap_or(0).saturating_add(u64::try_from(*c).unwrap_or(0));
    usize::try_from(wanted).unwrap_or(PAGE).clamp(1, PAGE)
}

fn bound(b: &Option<(CExpr, bool)>, v: Option<Value>) -> Bound<Value> {
    match (b, v) {
        (Some((_, true)), Some(v)) => Bound::Included(v),
        (Some((_, false)), Some(v)) => Bound::Excluded(v),
        _ => Bound::Unbounded,
    }
}

impl ForCollection {
    /// Sets up the documents of one input row.
    async fn start(
        &mut self,
        collection: &str,
        access: &Access,
        project: Option<&[String]>,
        row: &mut Row,
        ctx: &mut Ctx,
    ) -> AqlResult<()> {
        self.buffer.clear();
        self.source = Source::Done;
        self.page_size = self.first_page;
        match access {
            Access::Scan => self.source = Source::Paged { lookup: None, resume: None, started: false },
            Access::Key(e) => {
                if let Value::String(key) = eval(e, row, ctx).await? {
                    self.fetch_key(collection, &key, ctx).await?;
                }
            }
            Access::Id(e) => {
                if let Value::String(id) = eval(e, row, ctx).await? {
                    if let Some((c, key)) = id.split_once('/') {
                        if c == collection {
                            self.fetch_key(collection, key, ctx).await?;
                        }
                    }
                }
            }
            Access::Keys(e) => {
                if let Value::Array(keys) = eval(e, row, ctx).await? {
                    let mut seen = std::collections::HashSet::new();
                    for k in keys {
                        if let Value::String(k) = k {
                            if seen.insert(k.clone()) {
                                self.fetch_key(collection, &k, ctx).await?;
                            }
                        }
                    }
                }
            }
            Access::IndexIn { index, values, .. } => {
                if let Value::Array(values) = eval(values, row, ctx).await? {
                    let mut seen = std::collections::HashSet::new();
                    for v in values {
                        if !seen.insert(super::pipeline::canonical(&v)) {
                            continue;
                        }
                        let lookup = IndexLookup { equal: vec![v], lower: Bound::Unbounded, upper: Bound::Unbounded };
                        let mut resume: Option<Vec<u8>> = None;
                        loop {
                            ctx.check_time()?;
                            let page = ctx
                                .txn()
                                .await
                                .index_scan_projected(
                                    collection,
                                    index,
                                    &lookup,
                                    false,
                                    resume.as_deref(),
                                    PAGE,
                                    project,
                                )
                                .await?;
                            self.buffer.extend(page.docs);
                            match page.resume {
                                Some(r) => resume = Some(r),
                                None => break,
                            }
                        }
                    }
                }
            }
            Access::Edges(dir, e) => {
                let vertex = match eval(e, row, ctx).await? {
                    Value::String(s) => s,
                    _ => return Ok(()),
                };
                let dir = if *dir == EdgeDirection::Inbound { EdgeDirection::Inbound } else { EdgeDirection::Outbound };
                let steps = ctx.txn().await.edges(collection, &vertex, dir).await?;
                self.buffer.extend(steps.into_iter().map(|s| s.edge));
            }
            Access::Index { equal, lower, upper, .. } => {
                let mut eq = Vec::with_capacity(equal.len());
                for e in equal {
                    eq.push(eval(e, row, ctx).await?);
                }
                let lo = match lower {
                    Some((e, _)) => Some(eval(e, row, ctx).await?),
                    None => None,
                };
                let hi = match upper {
                    Some((e, _)) => Some(eval(e, row, ctx).await?),
                    None => None,
                };
                let lookup = IndexLookup { equal: eq, lower: bound(lower, lo), upper: bound(upper, hi) };
                self.source = Source::Paged { lookup: Some(lookup), resume: None, started: false };
            }
            Access::Vector { query, offset, count, .. } => {
                let query = eval(query, row, ctx).await?;
                let offset = non_negative(&eval(offset, row, ctx).await?, "LIMIT")?;
                let count = non_negative(&eval(count, row, ctx).await?, "LIMIT")?;
                let wanted = usize::try_from(offset.saturating_add(count)).unwrap_or(usize::MAX).min(MAX_NEAREST);
                if wanted > 0 {
                    self.source = Source::Nearest(Box::new(Nearest {
                        query,
                        wanted,
                        searched: 0,
                        seen: HashSet::new(),
                        exhausted: false,
                    }));
                }
            }
        }
        Ok(())
    }

    async fn fetch_key(&mut self, collection: &str, key: &str, ctx: &mut Ctx) -> AqlResult<()> {
        if key.is_empty() || key.len() > 254 {
            return Ok(());
        }
        let doc = ctx.txn().await.get(collection, key).await?;
        if let Some(doc) = doc {
            self.buffer.push_back(doc);
        }
        Ok(())
    }

    /// Reads every key a paged source yields, for a loop over a written collection.
    async fn keys_first(&mut self, collection: &str, access: &Access, ctx: &mut Ctx) -> AqlResult<()> {
        let mut keys = VecDeque::new();
        while self.page(collection, access, Some(&[]), ctx).await? {
            for doc in self.buffer.drain(..) {
                if let Some(Value::String(k)) = doc.get("_key") {
                    keys.push_back(k.clone());
                }
            }
        }
        self.source = Source::Keys(keys);
        Ok(())
    }

    /// The next documents of a vector search; false when the index has no more.
    async fn nearest(
        buffer: &mut VecDeque<Value>,
        near: &mut Nearest,
        collection: &str,
        index: &str,
        ctx: &mut Ctx,
    ) -> AqlResult<bool> {
        if near.exhausted {
            return Ok(false);
        }
        ctx.check_time()?;
        let k = if near.searched == 0 { near.wanted } else { near.searched.saturating_mul(2).min(MAX_NEAREST) };
        let hits = ctx.store.vector_search(&ctx.db, collection, index, &near.query, k).await?;
        near.exhausted = hits.len() < k || k >= MAX_NEAREST;
        near.searched = k;
        for hit in hits {
            if !near.seen.insert(hit.rev) {
                continue;
            }
            if let Some(doc) = ctx.txn().await.get_revision(collection, hit.rev).await? {
                buffer.push_back(doc);
            }
        }
        Ok(true)
    }

    /// Fetches the next page of a paged source; false when there is none.
    async fn page(
        &mut self,
        collection: &str,
        access: &Access,
        project: Option<&[String]>,
        ctx: &mut Ctx,
    ) -> AqlResult<bool> {
        if let (Source::Nearest(near), Access::Vector { index, .. }) = (&mut self.source, access) {
            return Self::nearest(&mut self.buffer, near, collection, index, ctx).await;
        }
        if let Source::Keys(keys) = &mut self.source {
            let Some(key) = keys.pop_front() else { return Ok(false) };
            let doc = ctx.txn().await.get(collection, &key).await?;
            self.buffer.extend(doc);
            return Ok(true);
        }
        let Source::Paged { lookup, resume, started } = &mut self.source else { return Ok(false) };
        if *started && resume.is_none() {
            return Ok(false);
        }
        *started = true;
        ctx.check_time()?;
        let size = self.page_size;
        self.page_size = size.saturating_mul(2).min(PAGE);
        let page = match (lookup, access) {
            (Some(lookup), Access::Index { index, reverse, .. }) => {
                let resume = resume.as_deref();
                ctx.txn().await.index_scan_projected(collection, index, lookup, *reverse, resume, size, project).await?
            }
            _ => ctx.txn().await.scan_projected(collection, resume.as_deref(), size, project).await?,
        };
        *resume = page.resume;
        if self.buffer.is_empty() {
            self.buffer = page.docs.into();
        } else {
            self.buffer.extend(page.docs);
        }
        Ok(true)
    }
}

#[async_trait::async_trait]
impl Node for ForCollection {
    async fn next(&mut self, ctx: &mut Ctx) -> AqlResult<Option<Row>> {
        let plan = self.plan.clone();
        let PlanOp::ForCollection { slot, collection, access, project } = op(&plan, self.idx)? else {
            return Err(AqlError::internal("plan"));
        };
        loop {
            if self.row.is_some() {
                if let Some(doc) = self.buffer.pop_front() {
                    if matches!(access, Access::Scan) {
                        ctx.stats.scanned_full += 1;
                    } else {
                        ctx.stats.scanned_index += 1;
                    }
                    let mut r = self.row.clone().unwrap_or_default();
                    set(&mut r, *slot, doc);
                    return Ok(Some(r));
                }
                if self.page(collection, access, project.as_deref(), ctx).await? {
                    continue;
                }
                self.row = None;
            }
            let Some(mut row) = self.input.next(ctx).await? else { return Ok(None) };
            self.start(collection, access, project.as_deref(), &mut row, ctx).await?;
            if matches!(self.source, Source::Paged { .. }) && ctx.written.contains(collection) {
                self.keys_first(collection, access, ctx).await?;
            }
            self.row = Some(row);
        }
    }
}
