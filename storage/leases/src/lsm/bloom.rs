//! A bloom filter per SSTable: `bits_per_key` bits per key, k = bits_per_key * ln 2
//! probes placed by double hashing (h1 + i * h2). The hash is our own (FNV-1a followed
//! by a 64-bit finalizer) so filters written by one build are read the same by the next.
//!
//! Encoded as the bit array followed by one byte holding k.

use super::codec::DecodeError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BloomFilter {
    bits: Vec<u8>,
    k: u8,
}

fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The two hashes of double hashing; a table writer keeps these instead of its keys.
pub(crate) fn key_hashes(key: &[u8]) -> (u64, u64) {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in key {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let h1 = fmix64(h ^ key.len() as u64);
    let h2 = fmix64(h1 ^ 0x9e37_79b9_7f4a_7c15) | 1;
    (h1, h2)
}

impl BloomFilter {
    /// A filter holding `keys`, sized for `bits_per_key` bits each.
    #[cfg(test)]
    pub(crate) fn build<'a>(keys: impl Iterator<Item = &'a [u8]>, bits_per_key: usize) -> Self {
        let hashes: Vec<(u64, u64)> = keys.map(key_hashes).collect();
        BloomFilter::from_hashes(&hashes, bits_per_key)
    }

    /// A filter holding the keys whose [`key_hashes`] are `hashes`.
    pub(crate) fn from_hashes(hashes: &[(u64, u64)], bits_per_key: usize) -> Self {
        let nbits = (hashes.len().saturating_mul(bits_per_key)).max(64);
        let nbytes = nbits.div_ceil(8);
        let k = ((bits_per_key as f64) * std::f64::consts::LN_2).round().clamp(1.0, 30.0) as u8;
        let mut filter = BloomFilter { bits: vec![0; nbytes], k };
        let m = (nbytes * 8) as u64;
        for &(h1, h2) in hashes {
            for i in 0..u64::from(k) {
                let bit = h1.wrapping_add(i.wrapping_mul(h2)) % m;
                filter.bits[(bit / 8) as usize] |= 1 << (bit % 8);
            }
        }
        filter
    }

    /// False only when `key` was certainly not among the keys the filter was built from.
    pub(crate) fn may_contain(&self, key: &[u8]) -> bool {
        let m = (self.bits.len() * 8) as u64;
        if m == 0 {
            return true;
        }
        let (h1, h2) = key_hashes(key);
        (0..u64::from(self.k)).all(|i| {
            let bit = h1.wrapping_add(i.wrapping_mul(h2)) % m;
            self.bits[(bit / 8) as usize] & (1 << (bit % 8)) != 0
        })
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = self.bits.clone();
        out.push(self.k);
        out
    }

    pub(crate) fn decode(buf: &[u8]) -> Result<Self, DecodeError> {
        match buf.split_last() {
            Some((&k, bits)) if (1..=30).contains(&k) => Ok(BloomFilter { bits: bits.to_vec(), k }),
            _ => Err(DecodeError("bad bloom filter block")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn false_positive_rate(bits_per_key: usize) -> f64 {
        let keys: Vec<Vec<u8>> = (0..10_000u32).map(|i| format!("present-{i}").into_bytes()).collect();
        let filter = BloomFilter::build(keys.iter().map(Vec::as_slice), bits_per_key);
        for k in &keys {
            assert!(filter.may_contain(k), "false negative for {:?}", String::from_utf8_lossy(k));
        }
        let absent = 20_000u32;
        let fp = (0..absent).filter(|i| filter.may_contain(format!("absent-{i}").as_bytes())).count();
        fp as f64 / f64::from(absent)
    }

    #[test]
    fn bloom_false_positive_rate_follows_bits_per_key() {
        // Theory: 10 bits/key -> ~0.8 %, 5 -> ~9 %, 20 -> ~0.007 %.
        let r10 = false_positive_rate(10);
        let r5 = false_positive_rate(5);
        let r20 = false_positive_rate(20);
        assert!(r10 > 0.002 && r10 < 0.02, "10 bits/key: {r10}");
        assert!(r5 > 0.04 && r5 < 0.16, "5 bits/key: {r5}");
        assert!(r20 < 0.001, "20 bits/key: {r20}");
    }

    #[test]
    fn bloom_round_trips_and_rejects_garbage() {
        let keys = [b"a".as_slice(), b"bb", b"ccc"];
        let f = BloomFilter::build(keys.iter().copied(), 10);
        let g = BloomFilter::decode(&f.encode()).unwrap();
        assert_eq!(f, g);
        assert!(keys.iter().all(|k| g.may_contain(k)));
        assert!(BloomFilter::decode(&[]).is_err());
        assert!(BloomFilter::decode(&[0, 0, 0]).is_err());
    }
}
