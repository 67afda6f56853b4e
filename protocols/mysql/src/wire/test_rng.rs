//! A tiny xorshift generator for the codec's garbage-input tests.

pub(crate) struct XorShift(u64);

impl XorShift {
    pub(crate) fn new(seed: u64) -> Self {
        XorShift(seed | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Random bytes, of a random length up to `max_len`.
    pub(crate) fn bytes(&mut self, max_len: usize) -> Vec<u8> {
        let len = (self.next() % (max_len as u64 + 1)) as usize;
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// `valid` with a few random bytes changed, inserted or cut off.
    pub(crate) fn mutate(&mut self, valid: &[u8]) -> Vec<u8> {
        let mut out = valid.to_vec();
        for _ in 0..(self.next() % 4 + 1) {
            let pos = (self.next() as usize) % (out.len() + 1);
            match self.next() % 4 {
                0 if pos < out.len() => out[pos] = self.next() as u8,
                1 => out.insert(pos, self.next() as u8),
                2 => out.truncate(pos),
                _ if pos < out.len() => out[pos] ^= 0xFF,
                _ => {}
            }
        }
        out
    }
}
