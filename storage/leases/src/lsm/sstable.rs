//! Immutable sorted table files.
//!
//! Layout: data blocks | index block | bloom block | properties block | footer.
//! * index: per data block its last key, offset and stored length;
//! * bloom: the [`BloomFilter`] of every key (empty when filters are off);
//! * properties: entry and tombstone counts, smallest and largest key;
//! * footer (64 bytes): offset and length of index, bloom and properties (u64 each),
//!   format version u32, crc32 of the preceding 52 bytes, magic u64.
//!
//! A table is written to a temp file, fsynced and renamed into place. Opening one checks
//! the footer and the checksums of index, bloom and properties; a data block's checksum
//! is checked when it is read. Every failure is `LeaseError::Corruption` naming the file.

use super::block::{self, put_entry};
use super::bloom::{key_hashes, BloomFilter};
use super::cache::{Block, BlockCache};
use super::codec::{crc32, put_bytes, put_u32, put_u64, DecodeError, Reader};
use super::files::{corruption, io_error, sync_dir, temp_path};
use super::memtable::Entry;
use super::stats::Counters;
use crate::provider::LeaseResult;
use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::Arc;

const MAGIC: u64 = 0x4f52_4249_544c_534d; // "ORBITLSM"
const FORMAT_VERSION: u32 = 1;
const FOOTER: usize = 64;

/// How tables are written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TableOptions {
    pub block_size: usize,
    /// 0: no bloom filter.
    pub bloom_bits_per_key: usize,
    pub compress: bool,
}

#[derive(Debug, Clone)]
struct IndexEntry {
    last_key: Vec<u8>,
    offset: u64,
    len: u32,
}

/// Writes one table; entries must be added in strictly ascending key order.
pub(crate) struct TableWriter {
    path: PathBuf,
    tmp: PathBuf,
    out: BufWriter<File>,
    options: TableOptions,
    offset: u64,
    block: Vec<u8>,
    block_last_key: Vec<u8>,
    index: Vec<IndexEntry>,
    hashes: Vec<(u64, u64)>,
    smallest: Option<Vec<u8>>,
    entries: u64,
    tombstones: u64,
}

impl TableWriter {
    pub(crate) fn create(path: PathBuf, options: TableOptions) -> LeaseResult<Self> {
        let tmp = temp_path(&path);
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| io_error("create", &tmp, e))?;
        Ok(TableWriter {
            path,
            tmp,
            out: BufWriter::new(file),
            options,
            offset: 0,
            block: Vec::new(),
            block_last_key: Vec::new(),
            index: Vec::new(),
            hashes: Vec::new(),
            smallest: None,
            entries: 0,
            tombstones: 0,
        })
    }

    pub(crate) fn add(&mut self, key: &[u8], value: Option<&[u8]>) -> LeaseResult<()> {
        if self.smallest.is_none() {
            self.smallest = Some(key.to_vec());
        }
        put_entry(&mut self.block, key, value);
        self.block_last_key.clear();
        self.block_last_key.extend_from_slice(key);
        if self.options.bloom_bits_per_key > 0 {
            self.hashes.push(key_hashes(key));
        }
        self.entries += 1;
        if value.is_none() {
            self.tombstones += 1;
        }
        if self.block.len() >= self.options.block_size {
            self.finish_block()?;
        }
        Ok(())
    }

    /// Bytes written so far plus the open block: what an output-size limit compares.
    pub(crate) fn approx_size(&self) -> u64 {
        self.offset + self.block.len() as u64
    }

    pub(crate) fn entries(&self) -> u64 {
        self.entries
    }

    fn write(&mut self, bytes: &[u8]) -> LeaseResult<(u64, u32)> {
        self.out.write_all(bytes).map_err(|e| io_error("write", &self.tmp, e))?;
        let at = self.offset;
        self.offset += bytes.len() as u64;
        Ok((at, bytes.len() as u32))
    }

    fn finish_block(&mut self) -> LeaseResult<()> {
        if self.block.is_empty() {
            return Ok(());
        }
        let stored = block::seal(&self.block, self.options.compress);
        let (offset, len) = self.write(&stored)?;
        self.index.push(IndexEntry { last_key: std::mem::take(&mut self.block_last_key), offset, len });
        self.block.clear();
        Ok(())
    }

    /// Completes the file, makes it durable under its final name and opens it.
    pub(crate) fn finish(mut self, number: u64) -> LeaseResult<Table> {
        self.finish_block()?;
        let mut index = Vec::new();
        put_u32(&mut index, self.index.len() as u32);
        for e in &self.index {
            put_bytes(&mut index, &e.last_key);
            put_u64(&mut index, e.offset);
            put_u32(&mut index, e.len);
        }
        let bloom = if self.options.bloom_bits_per_key > 0 {
            BloomFilter::from_hashes(&self.hashes, self.options.bloom_bits_per_key).encode()
        } else {
            Vec::new()
        };
        let mut props = Vec::new();
        put_u64(&mut props, self.entries);
        put_u64(&mut props, self.tombstones);
        put_bytes(&mut props, self.smallest.as_deref().unwrap_or_default());
        put_bytes(&mut props, self.index.last().map(|e| e.last_key.as_slice()).unwrap_or_default());
        let mut footer = Vec::with_capacity(FOOTER);
        for part in [index, bloom, props] {
            let (offset, len) = self.write(&block::seal(&part, false))?;
            put_u64(&mut footer, offset);
            put_u64(&mut footer, u64::from(len));
        }
        put_u32(&mut footer, FORMAT_VERSION);
        let crc = crc32(&[&footer]);
        put_u32(&mut footer, crc);
        put_u64(&mut footer, MAGIC);
        self.write(&footer)?;
        let file = self.out.into_inner().map_err(|e| io_error("write", &self.tmp, e.into_error()))?;
        file.sync_all().map_err(|e| io_error("fsync", &self.tmp, e))?;
        drop(file);
        fs::rename(&self.tmp, &self.path).map_err(|e| io_error("rename into place", &self.path, e))?;
        if let Some(dir) = self.path.parent() {
            sync_dir(dir)?;
        }
        Table::open(self.path, number)
    }

    /// Gives up on the table and removes its temp file.
    pub(crate) fn abandon(self) {
        let tmp = self.tmp.clone();
        drop(self);
        let _ = fs::remove_file(tmp);
    }
}

/// An open, immutable table.
pub(crate) struct Table {
    pub number: u64,
    pub path: PathBuf,
    file: File,
    pub file_size: u64,
    pub entries: u64,
    pub tombstones: u64,
    pub smallest: Vec<u8>,
    pub largest: Vec<u8>,
    index: Vec<IndexEntry>,
    bloom: Option<BloomFilter>,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table").field("number", &self.number).field("file_size", &self.file_size).finish()
    }
}

/// What a point lookup in a table found.
pub(crate) enum Lookup {
    /// Not in this table (or ruled out by its bloom filter).
    Absent,
    /// A value (`Some`) or a tombstone (`None`).
    Found(Option<Vec<u8>>),
}

/// Where a read's counters and cached blocks go.
#[derive(Clone, Copy)]
pub(crate) struct ReadContext<'a> {
    pub counters: &'a Counters,
    pub cache: &'a BlockCache,
}

impl Table {
    pub(crate) fn open(path: PathBuf, number: u64) -> LeaseResult<Table> {
        let file = File::open(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => corruption(&path, "a live table file is missing"),
            _ => io_error("open", &path, e),
        })?;
        let file_size = file.metadata().map_err(|e| io_error("stat", &path, e))?.len();
        if file_size < FOOTER as u64 {
            return Err(corruption(&path, "shorter than a table footer"));
        }
        let mut footer = [0u8; FOOTER];
        file.read_exact_at(&mut footer, file_size - FOOTER as u64).map_err(|e| io_error("read", &path, e))?;
        let bad = |why: &str| corruption(&path, why);
        let mut r = Reader::new(&footer);
        let mut handles = [(0u64, 0u64); 3];
        for h in &mut handles {
            *h = (r.u64().map_err(|_| bad("footer"))?, r.u64().map_err(|_| bad("footer"))?);
        }
        let version = r.u32().map_err(|_| bad("footer"))?;
        let crc = r.u32().map_err(|_| bad("footer"))?;
        let magic = r.u64().map_err(|_| bad("footer"))?;
        if magic != MAGIC {
            return Err(bad("bad magic number in the footer (not a table, or damaged)"));
        }
        if crc32(&[&footer[..52]]) != crc {
            return Err(bad("footer checksum mismatch"));
        }
        if version != FORMAT_VERSION {
            return Err(bad(&format!("unknown table format version {version}")));
        }
        let body_end = file_size - FOOTER as u64;
        let mut parts = Vec::with_capacity(3);
        for (offset, len) in handles {
            if offset.checked_add(len).is_none_or(|end| end > body_end) {
                return Err(bad("footer points past the end of the file"));
            }
            let mut stored = vec![0u8; len as usize];
            file.read_exact_at(&mut stored, offset).map_err(|e| io_error("read", &path, e))?;
            parts.push(block::unseal(&stored).map_err(|DecodeError(why)| bad(why))?);
        }
        let decoded = (|| -> Result<_, DecodeError> {
            let mut r = Reader::new(&parts[0]);
            let n = r.count(16)?;
            let mut index = Vec::with_capacity(n);
            for _ in 0..n {
                let last_key = r.bytes()?.to_vec();
                let offset = r.u64()?;
                let len = r.u32()?;
                if offset + u64::from(len) > body_end {
                    return Err(DecodeError("index entry points past the data"));
                }
                index.push(IndexEntry { last_key, offset, len });
            }
            let bloom = if parts[1].is_empty() { None } else { Some(BloomFilter::decode(&parts[1])?) };
            let mut r = Reader::new(&parts[2]);
            let entries = r.u64()?;
            let tombstones = r.u64()?;
            let smallest = r.bytes()?.to_vec();
            let largest = r.bytes()?.to_vec();
            Ok((index, bloom, entries, tombstones, smallest, largest))
        })();
        let (index, bloom, entries, tombstones, smallest, largest) = decoded.map_err(|DecodeError(why)| bad(why))?;
        if index.is_empty() {
            return Err(bad("table without data blocks"));
        }
        Ok(Table { number, path, file, file_size, entries, tombstones, smallest, largest, index, bloom })
    }

    pub(crate) fn overlaps(&self, lo: &[u8], hi: &[u8]) -> bool {
        self.smallest.as_slice() <= hi && lo <= self.largest.as_slice()
    }

    fn read_block(&self, i: usize, ctx: &ReadContext<'_>) -> LeaseResult<Block> {
        let id = (self.number, i as u32);
        if let Some(block) = ctx.cache.get(id) {
            Counters::bump(&ctx.counters.cache_hits, 1);
            return Ok(block);
        }
        Counters::bump(&ctx.counters.cache_misses, 1);
        Counters::bump(&ctx.counters.block_reads, 1);
        let e = &self.index[i];
        let mut stored = vec![0u8; e.len as usize];
        self.file.read_exact_at(&mut stored, e.offset).map_err(|err| io_error("read", &self.path, err))?;
        let entries = block::unseal(&stored)
            .and_then(|raw| block::decode_entries(&raw))
            .map_err(|DecodeError(why)| corruption(&self.path, &format!("data block at offset {}: {why}", e.offset)))?;
        let block = Arc::new(entries);
        ctx.cache.insert(id, block.clone());
        Ok(block)
    }

    /// The first block whose last key is >= `key`.
    fn block_for(&self, key: &[u8]) -> usize {
        self.index.partition_point(|e| e.last_key.as_slice() < key)
    }

    pub(crate) fn get(&self, key: &[u8], ctx: &ReadContext<'_>) -> LeaseResult<Lookup> {
        if key < self.smallest.as_slice() || key > self.largest.as_slice() {
            return Ok(Lookup::Absent);
        }
        if let Some(bloom) = &self.bloom {
            if !bloom.may_contain(key) {
                Counters::bump(&ctx.counters.bloom_skips, 1);
                return Ok(Lookup::Absent);
            }
        }
        Counters::bump(&ctx.counters.tables_read, 1);
        let i = self.block_for(key);
        if i >= self.index.len() {
            return Ok(Lookup::Absent);
        }
        let block = self.read_block(i, ctx)?;
        Ok(match block.binary_search_by(|(k, _)| k.as_slice().cmp(key)) {
            Ok(at) => Lookup::Found(block[at].1.clone()),
            Err(_) => Lookup::Absent,
        })
    }
}

/// Entries of a run of tables (ascending, non-overlapping) from a start key while they
/// carry a prefix. A level >= 1 is one run; a level-0 table is a run of its own.
pub(crate) struct RunIter<'a> {
    tables: Vec<Arc<Table>>,
    table: usize,
    block: usize,
    entries: Option<Block>,
    pos: usize,
    start: Vec<u8>,
    prefix: Vec<u8>,
    ctx: ReadContext<'a>,
    done: bool,
}

impl<'a> RunIter<'a> {
    pub(crate) fn new(tables: Vec<Arc<Table>>, prefix: &[u8], ctx: ReadContext<'a>) -> Self {
        let table = tables.partition_point(|t| t.largest.as_slice() < prefix);
        let block = tables.get(table).map_or(0, |t| t.block_for(prefix));
        RunIter {
            tables,
            table,
            block,
            entries: None,
            pos: 0,
            start: prefix.to_vec(),
            prefix: prefix.to_vec(),
            ctx,
            done: false,
        }
    }

    fn step(&mut self) -> LeaseResult<Option<Entry>> {
        loop {
            let Some(table) = self.tables.get(self.table) else { return Ok(None) };
            if self.entries.is_none() {
                if self.block >= table.index.len() {
                    self.table += 1;
                    self.block = 0;
                    continue;
                }
                let block = table.read_block(self.block, &self.ctx)?;
                self.pos = block.partition_point(|(k, _)| k.as_slice() < self.start.as_slice());
                self.entries = Some(block);
            }
            let Some(block) = &self.entries else { continue };
            if let Some((k, v)) = block.get(self.pos) {
                self.pos += 1;
                if !k.starts_with(&self.prefix) {
                    return Ok(None);
                }
                return Ok(Some((k.clone(), v.clone())));
            }
            self.entries = None;
            self.block += 1;
        }
    }
}

impl Iterator for RunIter<'_> {
    type Item = LeaseResult<Entry>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.step() {
            Ok(Some(e)) => Some(Ok(e)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
