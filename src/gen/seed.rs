//! Seeded byte streams for tests, benchmarks and scripts that need many
//! runs without a fuzzer: SplitMix64, so the same seed gives the same runs
//! on every machine.

/// A SplitMix64 generator: tiny, fast, and the same everywhere.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting at `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 pseudo-random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// `len` pseudo-random bytes: a fuzz input.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}

/// The `n`-th input of a seeded family of fuzz inputs, `len` bytes long;
/// lengths vary so that runs of every size appear.
pub fn fuzz_input(seed: u64, n: u64, max_len: usize) -> Vec<u8> {
    let mut rng = SplitMix64::new(seed ^ n.wrapping_mul(0x2545_f491_4f6c_dd1d));
    let len = (rng.next_u64() as usize) % (max_len + 1);
    rng.bytes(len)
}
