//! The distance kernels: inner product, squared Euclidean distance, taxicab distance and
//! the three sums of the cosine, each in two versions over the same lanes:
//!
//! * [`portable`]: plain Rust that LLVM vectorises on any target — two groups of eight
//!   accumulators over chunks of 16 (four independent SSE registers on baseline x86_64),
//!   bounds checks gone because every chunk is exactly 16 long;
//! * `avx2` (x86_64 only): AVX2 + FMA intrinsics, four independent 8-lane accumulators over
//!   chunks of 32, then chunks of 8, then a scalar tail.
//!
//! The functions at the top pick the AVX2 version when the CPU has AVX2 and FMA (checked
//! once, then cached) and the portable one otherwise. The two differ only by float
//! rounding (FMA rounds once, the summation order differs); on one machine a distance is
//! always the same bit pattern, so searches stay deterministic there.

use std::sync::atomic::{AtomicU8, Ordering};

const UNKNOWN: u8 = 0;
const PORTABLE: u8 = 1;
const AVX2: u8 = 2;

static CHOICE: AtomicU8 = AtomicU8::new(UNKNOWN);

/// Whether the accelerated (AVX2 + FMA) kernels are in use on this machine.
pub fn accelerated() -> bool {
    match CHOICE.load(Ordering::Relaxed) {
        UNKNOWN => {
            let choice = if detect_avx2_fma() { AVX2 } else { PORTABLE };
            CHOICE.store(choice, Ordering::Relaxed);
            choice == AVX2
        }
        choice => choice == AVX2,
    }
}

#[cfg(target_arch = "x86_64")]
fn detect_avx2_fma() -> bool {
    std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
}

#[cfg(not(target_arch = "x86_64"))]
fn detect_avx2_fma() -> bool {
    false
}

/// Σ aᵢ·bᵢ over the common length of `a` and `b`.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if accelerated() {
        // SAFETY: the CPU has AVX2 and FMA (checked by `accelerated`).
        return unsafe { avx2::dot(a, b) };
    }
    portable::dot(a, b)
}

/// Σ (aᵢ − bᵢ)² over the common length of `a` and `b`.
#[inline]
pub fn squared_l2(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if accelerated() {
        // SAFETY: the CPU has AVX2 and FMA (checked by `accelerated`).
        return unsafe { avx2::squared_l2(a, b) };
    }
    portable::squared_l2(a, b)
}

/// Σ |aᵢ − bᵢ| over the common length of `a` and `b`.
#[inline]
pub fn l1(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if accelerated() {
        // SAFETY: the CPU has AVX2 and FMA (checked by `accelerated`).
        return unsafe { avx2::l1(a, b) };
    }
    portable::l1(a, b)
}

/// (Σ aᵢ·bᵢ, Σ aᵢ², Σ bᵢ²) over the common length of `a` and `b`, in one pass.
#[inline]
pub fn dot_and_norms(a: &[f32], b: &[f32]) -> (f32, f32, f32) {
    #[cfg(target_arch = "x86_64")]
    if accelerated() {
        // SAFETY: the CPU has AVX2 and FMA (checked by `accelerated`).
        return unsafe { avx2::dot_and_norms(a, b) };
    }
    portable::dot_and_norms(a, b)
}

/// Hints the CPU to start loading the cache line holding `values[0]` (no effect elsewhere).
#[inline]
pub(crate) fn prefetch<T>(values: &[T]) {
    #[cfg(target_arch = "x86_64")]
    if let Some(first) = values.first() {
        // SAFETY: prefetching is only a hint and never faults; the pointer is valid anyway.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>((first as *const T).cast::<i8>())
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = values;
}

/// The kernels in plain Rust, for every target (and the reference the AVX2 ones are tested
/// against).
pub mod portable {
    const LANES: usize = 8;
    const CHUNK: usize = 2 * LANES;

    /// Runs `$body` once for each lane index 0..8, unrolled by hand so debug builds (tests)
    /// do not pay for a range iterator per element; release builds vectorise it either way.
    macro_rules! each_lane {
        ($i:ident => $body:expr) => {{
            {
                let $i = 0;
                $body;
            }
            {
                let $i = 1;
                $body;
            }
            {
                let $i = 2;
                $body;
            }
            {
                let $i = 3;
                $body;
            }
            {
                let $i = 4;
                $body;
            }
            {
                let $i = 5;
                $body;
            }
            {
                let $i = 6;
                $body;
            }
            {
                let $i = 7;
                $body;
            }
        }};
    }

    /// Folds the two accumulator groups into one sum in a fixed order.
    fn reduce(low: [f32; LANES], high: [f32; LANES]) -> f32 {
        let mut acc = [0.0f32; LANES];
        each_lane!(i => acc[i] = low[i] + high[i]);
        ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
    }

    /// Applies `term` lane-wise to chunks of 16 (two groups of eight accumulators), then to
    /// the tail one element at a time.
    #[inline(always)]
    fn fold(a: &[f32], b: &[f32], term: impl Fn(f32, f32) -> f32) -> f32 {
        let n = a.len().min(b.len());
        let (a, b) = (&a[..n], &b[..n]);
        let (ca, cb) = (a.chunks_exact(CHUNK), b.chunks_exact(CHUNK));
        let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(&x, &y)| term(x, y)).sum();
        let mut low = [0.0f32; LANES];
        let mut high = [0.0f32; LANES];
        for (x, y) in ca.zip(cb) {
            each_lane!(i => {
                low[i] += term(x[i], y[i]);
                high[i] += term(x[LANES + i], y[LANES + i]);
            });
        }
        reduce(low, high) + tail
    }

    pub fn dot(a: &[f32], b: &[f32]) -> f32 {
        fold(a, b, |x, y| x * y)
    }

    pub fn squared_l2(a: &[f32], b: &[f32]) -> f32 {
        fold(a, b, |x, y| (x - y) * (x - y))
    }

    pub fn l1(a: &[f32], b: &[f32]) -> f32 {
        fold(a, b, |x, y| (x - y).abs())
    }

    pub fn dot_and_norms(a: &[f32], b: &[f32]) -> (f32, f32, f32) {
        let n = a.len().min(b.len());
        let (a, b) = (&a[..n], &b[..n]);
        let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
        let (ra, rb) = (ca.remainder(), cb.remainder());
        let mut ab = [0.0f32; LANES];
        let mut aa = [0.0f32; LANES];
        let mut bb = [0.0f32; LANES];
        for (x, y) in ca.zip(cb) {
            each_lane!(i => {
                ab[i] += x[i] * y[i];
                aa[i] += x[i] * x[i];
                bb[i] += y[i] * y[i];
            });
        }
        let zero = [0.0f32; LANES];
        let mut sums = (reduce(ab, zero), reduce(aa, zero), reduce(bb, zero));
        for (x, y) in ra.iter().zip(rb) {
            sums.0 += x * y;
            sums.1 += x * x;
            sums.2 += y * y;
        }
        sums
    }
}

/// The kernels with AVX2 and FMA. Every function requires a CPU with both features.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    /// The sum of the eight lanes of `v`.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn horizontal_sum(v: __m256) -> f32 {
        let pair = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
        let quad = _mm_add_ps(pair, _mm_movehl_ps(pair, pair));
        _mm_cvtss_f32(_mm_add_ss(quad, _mm_movehdup_ps(quad)))
    }

    /// The body of a kernel: `$acc = $step` (with `$x`, `$y` the next eight values of `a`
    /// and `b`) over chunks of 32 into four accumulators and chunks of 8 into the first,
    /// then `$sum += $tail` over the last values one by one. A macro rather than a function
    /// taking closures so every step is plain AVX2 code inside the kernel.
    macro_rules! fold {
        ($a:expr, $b:expr, |$acc:ident, $x:ident, $y:ident| $step:expr, |$sx:ident, $sy:ident| $tail:expr) => {{
            let (a, b): (&[f32], &[f32]) = ($a, $b);
            let n = a.len().min(b.len());
            let (pa, pb) = (a.as_ptr(), b.as_ptr());
            let mut accs = [_mm256_setzero_ps(); 4];
            let mut i = 0;
            // SAFETY (all loads): i + 32 ≤ n, resp. i + 8 ≤ n, and both slices hold n values.
            while i + 32 <= n {
                for (lane, $acc) in accs.iter_mut().enumerate() {
                    let $x = _mm256_loadu_ps(pa.add(i + 8 * lane));
                    let $y = _mm256_loadu_ps(pb.add(i + 8 * lane));
                    *$acc = $step;
                }
                i += 32;
            }
            while i + 8 <= n {
                let $acc = &mut accs[0];
                let $x = _mm256_loadu_ps(pa.add(i));
                let $y = _mm256_loadu_ps(pb.add(i));
                *$acc = $step;
                i += 8;
            }
            let total = _mm256_add_ps(_mm256_add_ps(accs[0], accs[1]), _mm256_add_ps(accs[2], accs[3]));
            let mut sum = horizontal_sum(total);
            for (&$sx, &$sy) in a[i..n].iter().zip(&b[i..n]) {
                sum += $tail;
            }
            sum
        }};
    }

    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn dot(a: &[f32], b: &[f32]) -> f32 {
        fold!(a, b, |acc, x, y| _mm256_fmadd_ps(x, y, *acc), |x, y| x * y)
    }

    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn squared_l2(a: &[f32], b: &[f32]) -> f32 {
        fold!(
            a,
            b,
            |acc, x, y| {
                let d = _mm256_sub_ps(x, y);
                _mm256_fmadd_ps(d, d, *acc)
            },
            |x, y| (x - y) * (x - y)
        )
    }

    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn l1(a: &[f32], b: &[f32]) -> f32 {
        let sign = _mm256_set1_ps(-0.0);
        fold!(a, b, |acc, x, y| _mm256_add_ps(*acc, _mm256_andnot_ps(sign, _mm256_sub_ps(x, y))), |x, y| (x - y).abs())
    }

    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn dot_and_norms(a: &[f32], b: &[f32]) -> (f32, f32, f32) {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let (mut ab, mut aa, mut bb) = ([_mm256_setzero_ps(); 2], [_mm256_setzero_ps(); 2], [_mm256_setzero_ps(); 2]);
        let mut i = 0;
        // SAFETY (all loads): i + 16 ≤ n, resp. i + 8 ≤ n, and both slices hold n values.
        while i + 16 <= n {
            for half in 0..2 {
                let x = _mm256_loadu_ps(pa.add(i + 8 * half));
                let y = _mm256_loadu_ps(pb.add(i + 8 * half));
                ab[half] = _mm256_fmadd_ps(x, y, ab[half]);
                aa[half] = _mm256_fmadd_ps(x, x, aa[half]);
                bb[half] = _mm256_fmadd_ps(y, y, bb[half]);
            }
            i += 16;
        }
        if i + 8 <= n {
            let x = _mm256_loadu_ps(pa.add(i));
            let y = _mm256_loadu_ps(pb.add(i));
            ab[0] = _mm256_fmadd_ps(x, y, ab[0]);
            aa[0] = _mm256_fmadd_ps(x, x, aa[0]);
            bb[0] = _mm256_fmadd_ps(y, y, bb[0]);
            i += 8;
        }
        let mut sums = (
            horizontal_sum(_mm256_add_ps(ab[0], ab[1])),
            horizontal_sum(_mm256_add_ps(aa[0], aa[1])),
            horizontal_sum(_mm256_add_ps(bb[0], bb[1])),
        );
        for (&x, &y) in a[i..n].iter().zip(&b[i..n]) {
            sums.0 += x * y;
            sums.1 += x * x;
            sums.2 += y * y;
        }
        sums
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lengths around every chunk boundary of both versions, and an embedding's 1536.
    const LENGTHS: [usize; 14] = [0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 1536];

    fn values(seed: u64, len: usize) -> Vec<f32> {
        let mut state = seed;
        (0..len)
            .map(|_| {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                ((state >> 40) as f32) / (1u64 << 23) as f32 - 1.0
            })
            .collect()
    }

    /// The sum in f64, one element at a time: the reference both versions approximate.
    fn exact(a: &[f32], b: &[f32], term: impl Fn(f64, f64) -> f64) -> f64 {
        a.iter().zip(b).map(|(&x, &y)| term(f64::from(x), f64::from(y))).sum()
    }

    /// Within f32 rounding of a sum of `len` terms whose magnitudes add up to `scale`.
    fn agrees(got: f32, want: f64, scale: f64, len: usize) -> bool {
        (f64::from(got) - want).abs() <= 1e-6 * scale * (len as f64).sqrt().max(1.0) + 1e-30
    }

    #[test]
    fn both_versions_agree_with_the_f64_sum_at_every_length() {
        for &len in &LENGTHS {
            for seed in 1..4u64 {
                let (a, b) = (values(seed, len), values(seed + 100, len));
                let abs_dot = exact(&a, &b, |x, y| (x * y).abs());
                let dot = exact(&a, &b, |x, y| x * y);
                let l2 = exact(&a, &b, |x, y| (x - y) * (x - y));
                let l1 = exact(&a, &b, |x, y| (x - y).abs());
                let (aa, bb) = (exact(&a, &a, |x, y| x * y), exact(&b, &b, |x, y| x * y));
                for (name, got) in [("portable", portable::dot(&a, &b)), ("dispatched", super::dot(&a, &b))] {
                    assert!(agrees(got, dot, abs_dot, len), "{name} dot len {len}: {got} vs {dot}");
                }
                for (name, got) in
                    [("portable", portable::squared_l2(&a, &b)), ("dispatched", super::squared_l2(&a, &b))]
                {
                    assert!(agrees(got, l2, l2, len), "{name} squared_l2 len {len}: {got} vs {l2}");
                }
                for (name, got) in [("portable", portable::l1(&a, &b)), ("dispatched", super::l1(&a, &b))] {
                    assert!(agrees(got, l1, l1, len), "{name} l1 len {len}: {got} vs {l1}");
                }
                for (name, (ab, got_aa, got_bb)) in
                    [("portable", portable::dot_and_norms(&a, &b)), ("dispatched", super::dot_and_norms(&a, &b))]
                {
                    assert!(agrees(ab, dot, abs_dot, len), "{name} dot_and_norms ab len {len}");
                    assert!(agrees(got_aa, aa, aa, len), "{name} dot_and_norms aa len {len}");
                    assert!(agrees(got_bb, bb, bb, len), "{name} dot_and_norms bb len {len}");
                }
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_agrees_with_portable_when_the_cpu_has_it() {
        if !detect_avx2_fma() {
            return;
        }
        for &len in &LENGTHS {
            let (a, b) = (values(7, len), values(8, len));
            let scale = exact(&a, &b, |x, y| (x * y).abs()) + exact(&a, &b, |x, y| (x - y) * (x - y));
            // SAFETY: the CPU has AVX2 and FMA (checked above).
            let (dot, l2, l1, cos) =
                unsafe { (avx2::dot(&a, &b), avx2::squared_l2(&a, &b), avx2::l1(&a, &b), avx2::dot_and_norms(&a, &b)) };
            let tol = |x: f32| 1e-5 * (scale as f32).max(x.abs()).max(1.0);
            assert!((dot - portable::dot(&a, &b)).abs() <= tol(dot), "dot len {len}");
            assert!((l2 - portable::squared_l2(&a, &b)).abs() <= tol(l2), "l2 len {len}");
            assert!((l1 - portable::l1(&a, &b)).abs() <= tol(l1), "l1 len {len}");
            let (pab, paa, pbb) = portable::dot_and_norms(&a, &b);
            assert!((cos.0 - pab).abs() <= tol(pab) && (cos.1 - paa).abs() <= tol(paa), "cos len {len}");
            assert!((cos.2 - pbb).abs() <= tol(pbb), "cos len {len}");
        }
        // Exact small integers: no rounding at all, so the versions agree to the bit.
        let a: Vec<f32> = (0..65).map(|i| (i % 7) as f32 - 3.0).collect();
        let b: Vec<f32> = (0..65).map(|i| (i % 5) as f32).collect();
        // SAFETY: as above.
        let accelerated = unsafe { (avx2::dot(&a, &b), avx2::squared_l2(&a, &b), avx2::l1(&a, &b)) };
        assert_eq!(accelerated, (portable::dot(&a, &b), portable::squared_l2(&a, &b), portable::l1(&a, &b)));
    }

    #[test]
    fn mismatched_lengths_use_the_common_prefix_and_empty_is_zero() {
        let a = values(3, 70);
        let b = values(4, 65);
        assert_eq!(super::squared_l2(&a, &b), super::squared_l2(&a[..65], &b));
        assert_eq!(portable::dot(&a, &b), portable::dot(&a[..65], &b));
        assert_eq!(super::dot(&[], &[]), 0.0);
        assert_eq!(super::dot_and_norms(&[], &[1.0]), (0.0, 0.0, 0.0));
        assert_eq!(portable::l1(&[], &[]), 0.0);
    }

    #[test]
    fn the_choice_is_stable() {
        let first = accelerated();
        assert_eq!((0..10).map(|_| accelerated()).filter(|&a| a == first).count(), 10);
        assert_eq!(first, detect_avx2_fma());
    }
}
