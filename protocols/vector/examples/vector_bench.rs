//! Speed and recall of orbit-vector on seeded synthetic data: exact search latency,
//! HNSW build time, recall@10 against exact search and single-thread queries/s for a
//! range of `ef`, and snapshot size, save and load time. Uniform vectors are HNSW's
//! worst case; clustered ones (Gaussian blobs) look more like real embeddings.
//!
//! cargo run --release -p orbit-vector --example vector_bench -- [--n 100000] [--dim 64]
//!     [--queries 1000] [--data uniform|clustered|lowrank|both|all] [--metric l2|cosine|ip]
//!     [--dump DIR] [--load-index FILE] [--ef 10,20,40,64,100,200,400]
//!
//! `both` (the default) runs uniform and clustered data, `all` adds the low-rank set.
//! `--dump DIR` writes each selected set's vectors and queries as `.fvecs` files into DIR
//! (for `examples/reference_hnsw.py`) and exits without benchmarking. `--load-index FILE`
//! searches the graph of a snapshot in FILE instead of building one (when FILE holds a
//! snapshot of as many vectors; otherwise it builds and writes it there): for timing
//! search changes that leave construction alone. Give it a single `--data` set.

use std::time::{Duration, Instant};

use orbit_vector::{IndexKind, Metric, VectorIndex, VectorIndexConfig};

const K: usize = 10;
const EFS: [usize; 7] = [10, 20, 40, 64, 100, 200, 400];

struct Options {
    n: usize,
    dim: usize,
    queries: usize,
    data: String,
    metric: Metric,
    dump: Option<std::path::PathBuf>,
    load_index: Option<std::path::PathBuf>,
    efs: Vec<usize>,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        n: 100_000,
        dim: 64,
        queries: 1_000,
        data: "both".into(),
        metric: Metric::L2,
        dump: None,
        load_index: None,
        efs: EFS.to_vec(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || value.parse::<usize>().map_err(|e| format!("{flag} {value}: {e}"));
        match flag.as_str() {
            "--n" => options.n = number()?,
            "--dim" => options.dim = number()?,
            "--queries" => options.queries = number()?,
            "--data" => options.data = value.clone(),
            "--dump" => options.dump = Some(value.clone().into()),
            "--load-index" => options.load_index = Some(value.clone().into()),
            "--ef" => {
                options.efs = value
                    .split(',')
                    .map(|ef| ef.trim().parse::<usize>().map_err(|e| format!("--ef {ef}: {e}")))
                    .collect::<Result<_, _>>()?
            }
            "--metric" => {
                options.metric = match value.as_str() {
                    "l2" => Metric::L2,
                    "cosine" => Metric::Cosine,
                    "ip" => Metric::InnerProduct,
                    other => return Err(format!("unknown metric {other}")),
                }
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(options)
}

/// splitmix64: a seeded stream of u64s.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    fn gaussian(&mut self) -> f64 {
        let u = 1.0 - self.unit();
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

fn uniform(count: usize, dim: usize, rng: &mut Rng) -> Vec<Vec<f32>> {
    (0..count).map(|_| (0..dim).map(|_| (rng.unit() * 2.0 - 1.0) as f32).collect()).collect()
}

/// Points around `centres` with Gaussian noise of deviation `spread`.
fn clustered(count: usize, centres: &[Vec<f32>], spread: f64, rng: &mut Rng) -> Vec<Vec<f32>> {
    (0..count)
        .map(|_| {
            let centre = &centres[(rng.next_u64() % centres.len() as u64) as usize];
            centre.iter().map(|&c| (f64::from(c) + spread * rng.gaussian()) as f32).collect()
        })
        .collect()
}

/// CPU time this thread has run, from /proc (Linux); zero elsewhere. Printed next to wall
/// times because the benchmark machine may be shared.
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|ns| ns.parse::<u64>().ok()))
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// Embedding-like points: Gaussian blobs in a `latent`-dimensional space, mapped into
/// `dim` dimensions by one fixed random linear map, plus a little noise in every dimension
/// (real embeddings fill a low-dimensional part of their space).
fn low_rank(count: usize, dim: usize, latent: usize, projection: &[Vec<f32>], rng: &mut Rng) -> Vec<Vec<f32>> {
    let centres = uniform(50, latent, &mut Rng(0x001a_7e47));
    clustered(count, &centres, 0.3, rng)
        .into_iter()
        .map(|z| {
            (0..dim)
                .map(|d| {
                    let mapped: f32 = z.iter().zip(&projection[d]).map(|(a, b)| a * b).sum();
                    mapped + (0.01 * rng.gaussian()) as f32
                })
                .collect()
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Writes `vectors` in the `.fvecs` layout: per vector a little-endian i32 dimension, then
/// its f32s.
fn write_fvecs(path: &std::path::Path, vectors: &[Vec<f32>]) -> Result<(), String> {
    let mut bytes = Vec::with_capacity(vectors.iter().map(|v| 4 + 4 * v.len()).sum());
    for v in vectors {
        bytes.extend_from_slice(&(v.len() as i32).to_le_bytes());
        v.iter().for_each(|x| bytes.extend_from_slice(&x.to_le_bytes()));
    }
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn run(name: &str, vectors: &[Vec<f32>], queries: &[Vec<f32>], options: &Options) -> Result<(), String> {
    if let Some(dir) = &options.dump {
        let stem = name.split_whitespace().next().unwrap_or(name);
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        write_fvecs(&dir.join(format!("{stem}_base.fvecs")), vectors)?;
        write_fvecs(&dir.join(format!("{stem}_query.fvecs")), queries)?;
        println!("{name}: wrote {stem}_base.fvecs and {stem}_query.fvecs to {}", dir.display());
        return Ok(());
    }
    let dim = options.dim;
    println!(
        "\n== {name}: {} × {dim} f32, {} queries, k = {K}, metric {:?}",
        vectors.len(),
        queries.len(),
        options.metric
    );

    let mut flat =
        VectorIndex::new(VectorIndexConfig::new(dim, options.metric, IndexKind::Flat)).map_err(|e| e.to_string())?;
    for (id, v) in vectors.iter().enumerate() {
        flat.insert(id as u64, v).map_err(|e| e.to_string())?;
    }
    let mut latencies = Vec::with_capacity(queries.len());
    let mut truth = Vec::with_capacity(queries.len());
    let cpu = thread_cpu();
    for q in queries {
        let start = Instant::now();
        let hits = flat.search(q, K, None, None).map_err(|e| e.to_string())?;
        latencies.push(start.elapsed());
        truth.push(hits.iter().map(|h| h.id).collect::<Vec<_>>());
    }
    let cpu_mean = (thread_cpu() - cpu).as_secs_f64() * 1e3 / queries.len().max(1) as f64;
    latencies.sort();
    println!(
        "exact search: p50 {:.3} ms, p95 {:.3} ms (mean cpu {cpu_mean:.3} ms)",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.95))
    );
    drop(flat);

    let config = VectorIndexConfig::new(dim, options.metric, IndexKind::Hnsw);
    println!("hnsw: M {}, ef_construction {}", config.m, config.ef_construction);
    let cached = options.load_index.as_ref().and_then(|path| std::fs::read(path).ok());
    let mut index = match cached.map(|bytes| VectorIndex::from_snapshot(&bytes)) {
        Some(Ok(index)) if index.len() == vectors.len() => {
            println!("hnsw: loaded the graph from the --load-index snapshot (no build)");
            index
        }
        _ => {
            let mut index = VectorIndex::new(config).map_err(|e| e.to_string())?;
            let (start, cpu) = (Instant::now(), thread_cpu());
            for (id, v) in vectors.iter().enumerate() {
                index.insert(id as u64, v).map_err(|e| e.to_string())?;
            }
            println!(
                "hnsw build: {:.2} s wall, {:.2} s cpu",
                start.elapsed().as_secs_f64(),
                (thread_cpu() - cpu).as_secs_f64()
            );
            if let Some(path) = &options.load_index {
                std::fs::write(path, index.snapshot()).map_err(|e| format!("{}: {e}", path.display()))?;
            }
            index
        }
    };

    println!("{:>5} {:>11} {:>10} {:>14} {:>8}", "ef", "recall@10", "queries/s", "cpu queries/s", "p95 ms");
    for &ef in &options.efs {
        let mut found = 0usize;
        let mut latencies = Vec::with_capacity(queries.len());
        let (start, cpu) = (Instant::now(), thread_cpu());
        for (q, truth) in queries.iter().zip(&truth) {
            let begin = Instant::now();
            let hits = index.search(q, K, Some(ef), None).map_err(|e| e.to_string())?;
            latencies.push(begin.elapsed());
            found += hits.iter().filter(|h| truth.contains(&h.id)).count();
        }
        let elapsed = start.elapsed().as_secs_f64();
        let cpu = (thread_cpu() - cpu).as_secs_f64();
        latencies.sort();
        let recall = found as f64 / (queries.len() * K) as f64;
        let qps = queries.len() as f64 / elapsed;
        let cpu_qps = if cpu > 0.0 { queries.len() as f64 / cpu } else { 0.0 };
        println!("{ef:>5} {recall:>11.4} {qps:>10.0} {cpu_qps:>14.0} {:>8.3}", ms(percentile(&latencies, 0.95)));
    }

    let start = Instant::now();
    let bytes = index.snapshot();
    let saved = start.elapsed();
    let start = Instant::now();
    let loaded = VectorIndex::from_snapshot(&bytes).map_err(|e| e.to_string())?;
    let load = start.elapsed();
    let same = queries.iter().take(100).all(|q| index.search(q, K, None, None) == loaded.search(q, K, None, None));
    println!(
        "snapshot: {:.1} MiB, save {:.1} ms, load {:.1} ms, loaded index answers the same: {same}",
        bytes.len() as f64 / (1024.0 * 1024.0),
        ms(saved),
        ms(load)
    );

    let (start, cpu) = (Instant::now(), thread_cpu());
    for id in (0..vectors.len() as u64).step_by(4) {
        index.remove(id);
    }
    println!(
        "removing every 4th id ({} left, compaction included): {:.2} s wall, {:.2} s cpu",
        index.len(),
        start.elapsed().as_secs_f64(),
        (thread_cpu() - cpu).as_secs_f64()
    );
    for ef in [40, 100] {
        let mut found = 0usize;
        for q in queries {
            let truth = index.exact_search(q, K, None).map_err(|e| e.to_string())?;
            let hits = index.search(q, K, Some(ef), None).map_err(|e| e.to_string())?;
            found += hits.iter().filter(|h| truth.iter().any(|t| t.id == h.id)).count();
        }
        println!("  after compaction, ef {ef}: recall@10 {:.4}", found as f64 / (queries.len() * K) as f64);
    }
    Ok(())
}

fn main() {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("vector_bench: {message}");
            std::process::exit(2);
        }
    };
    let mut rng = Rng(0x0b17_5eed);
    if options.data == "uniform" || options.data == "both" || options.data == "all" {
        let vectors = uniform(options.n, options.dim, &mut rng);
        let queries = uniform(options.queries, options.dim, &mut rng);
        if let Err(message) = run("uniform", &vectors, &queries, &options) {
            eprintln!("vector_bench: {message}");
            std::process::exit(1);
        }
    }
    let all = options.data == "all";
    if options.data == "clustered" || options.data == "both" || all {
        let centres = uniform(100, options.dim, &mut rng);
        let vectors = clustered(options.n, &centres, 0.15, &mut rng);
        let queries = clustered(options.queries, &centres, 0.15, &mut rng);
        if let Err(message) = run("clustered (100 Gaussian blobs, σ 0.15)", &vectors, &queries, &options) {
            eprintln!("vector_bench: {message}");
            std::process::exit(1);
        }
    }
    if options.data == "lowrank" || all {
        let latent = 12;
        let projection = uniform(options.dim, latent, &mut Rng(0x9e0_1ec7));
        let vectors = low_rank(options.n, options.dim, latent, &projection, &mut rng);
        let queries = low_rank(options.queries, options.dim, latent, &projection, &mut rng);
        if let Err(message) =
            run("low-rank (50 blobs in 12-d, mapped to dim, noise 0.01)", &vectors, &queries, &options)
        {
            eprintln!("vector_bench: {message}");
            std::process::exit(1);
        }
    }
}
