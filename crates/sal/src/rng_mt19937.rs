//! NumPy's legacy `numpy.random.RandomState(seed)` for an integer seed: the Mersenne Twister
//! MT19937 (Matsumoto & Nishimura 1998) with Knuth's integer seeding, `rand()` as 53-bit
//! doubles and `permutation` / `shuffle` with NumPy's bounded-integer rule.
//!
//! The STDWI part of Fig 7 (spec `deep.md` §4.3) draws its Poisson sources from
//! `RandomState(44 + n)` and its active periods from a fresh `RandomState(42)`; this module
//! replays those streams bit for bit (test vectors made with NumPy 2.1.3 in
//! `tests/data/numpy_vectors.json`). Everything else in the toolkit uses [`crate::rng`].

const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER: u32 = 0x8000_0000;
const LOWER: u32 = 0x7fff_ffff;

/// `numpy.random.RandomState(seed)` (legacy generator, MT19937).
#[derive(Clone)]
pub struct RandomState {
    key: Box<[u32; N]>,
    pos: usize,
}

impl std::fmt::Debug for RandomState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RandomState {{ pos: {} }}", self.pos)
    }
}

impl RandomState {
    /// `RandomState(seed)` for an integer seed 0 ≤ seed < 2³² (Knuth's linear recurrence
    /// `x[i] = 1812433253·(x[i−1] ⊕ (x[i−1] >> 30)) + i`).
    pub fn new(seed: u32) -> Self {
        let mut key = Box::new([0u32; N]);
        let mut s = seed;
        for (pos, k) in key.iter_mut().enumerate() {
            *k = s;
            s = 1_812_433_253u32
                .wrapping_mul(s ^ (s >> 30))
                .wrapping_add(pos as u32 + 1);
        }
        Self { key, pos: N }
    }

    fn generate(&mut self) {
        let k = &mut self.key;
        let twist = |a: u32, b: u32, c: u32| {
            let y = (a & UPPER) | (b & LOWER);
            c ^ (y >> 1) ^ (0u32.wrapping_sub(y & 1) & MATRIX_A)
        };
        for i in 0..N - M {
            k[i] = twist(k[i], k[i + 1], k[i + M]);
        }
        for i in N - M..N - 1 {
            k[i] = twist(k[i], k[i + 1], k[i + M - N]);
        }
        k[N - 1] = twist(k[N - 1], k[0], k[M - 1]);
        self.pos = 0;
    }

    /// One raw tempered 32-bit output (`genrand_int32`).
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        if self.pos == N {
            self.generate();
        }
        let mut y = self.key[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `rand()`: a uniform double in [0, 1) with 53 random bits, (a·2²⁶ + b)/2⁵³ with
    /// a = 27 and b = 26 high bits of two successive outputs.
    #[inline]
    pub fn rand(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// NumPy's `random_interval(max)`: a uniform integer in [0, max] by masking with the
    /// smallest all-ones mask ≥ max and rejecting values above max (32-bit draws for
    /// max < 2³², 64-bit draws from two outputs otherwise).
    pub fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for s in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> s;
        }
        if max <= u32::MAX as u64 {
            loop {
                let v = self.next_u32() as u64 & mask;
                if v <= max {
                    return v;
                }
            }
        } else {
            loop {
                // NumPy's legacy 64-bit draw: high word first.
                let hi = self.next_u32() as u64;
                let lo = self.next_u32() as u64;
                let v = ((hi << 32) | lo) & mask;
                if v <= max {
                    return v;
                }
            }
        }
    }

    /// `shuffle(x)` in place: for i = n−1 down to 1 swap `x[i]` with `x[interval(i)]`
    /// (Fisher–Yates as NumPy's legacy generator does it, for 1-d arrays and lists alike).
    pub fn shuffle<T>(&mut self, x: &mut [T]) {
        for i in (1..x.len()).rev() {
            let j = self.interval(i as u64) as usize;
            x.swap(i, j);
        }
    }

    /// `permutation(x)` of a 1-d array: a shuffled copy.
    pub fn permutation<T: Clone>(&mut self, x: &[T]) -> Vec<T> {
        let mut v = x.to_vec();
        self.shuffle(&mut v);
        v
    }
}
