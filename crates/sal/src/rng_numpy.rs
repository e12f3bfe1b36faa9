//! NumPy's `default_rng(seed)` (SeedSequence → PCG64 XSL-RR 128/64), written from `rng.md` §2.
//!
//! The cortical-microcircuit reference draws every spike decision from one
//! `default_rng(poisson_seed)`, its initial weights from `default_rng(weights_init_seed)` and
//! its pattern schedule from `default_rng(training_seed)` (bounded integers). Reusing the very
//! same streams lets a run replay the reference's input noise: with the same draw order the
//! microcircuit teacher reproduces the shipped teacher targets exactly (see the tests of
//! [`crate::microcircuit`]). Everything else in the toolkit uses [`crate::rng`].

const INIT_A: u32 = 0x43b0_d7e5;
const MULT_A: u32 = 0x931e_8875;
const INIT_B: u32 = 0x8b51_f9dd;
const MULT_B: u32 = 0x58f3_8ded;
const MIX_L: u32 = 0xca01_f9dd;
const MIX_R: u32 = 0x4973_f715;
const PCG_MULT: u128 = 0x2360_ED05_1FC6_5DA4_4385_DF64_9FCC_F645;

/// NumPy `SeedSequence(seed).generate_state(n_words)` for a non-negative integer seed.
fn seed_sequence_state(seed: u64, n_words: usize) -> Vec<u32> {
    let mut entropy = vec![seed as u32];
    if seed >> 32 != 0 {
        entropy.push((seed >> 32) as u32);
    }
    let mut h = INIT_A;
    let mut hashmix = |v: u32| -> u32 {
        let mut v = v ^ h;
        h = h.wrapping_mul(MULT_A);
        v = v.wrapping_mul(h);
        v ^ (v >> 16)
    };
    let mix = |x: u32, y: u32| -> u32 {
        let r = MIX_L.wrapping_mul(x).wrapping_sub(MIX_R.wrapping_mul(y));
        r ^ (r >> 16)
    };
    let mut pool = [0u32; 4];
    for (i, p) in pool.iter_mut().enumerate() {
        *p = hashmix(entropy.get(i).copied().unwrap_or(0));
    }
    for i in 0..4 {
        for d in 0..4 {
            if i != d {
                let hm = hashmix(pool[i]);
                pool[d] = mix(pool[d], hm);
            }
        }
    }
    for &e in entropy.iter().skip(4) {
        for p in &mut pool {
            let hm = hashmix(e);
            *p = mix(*p, hm);
        }
    }
    let mut hb = INIT_B;
    (0..n_words)
        .map(|k| {
            let mut v = pool[k % 4] ^ hb;
            hb = hb.wrapping_mul(MULT_B);
            v = v.wrapping_mul(hb);
            v ^ (v >> 16)
        })
        .collect()
}

/// NumPy's `Generator(PCG64(seed))`: `random()`, `uniform(lo, hi)` and `integers(0, n)`
/// exactly as NumPy draws them.
#[derive(Clone, Debug)]
pub struct NumpyRng {
    state: u128,
    inc: u128,
    /// NumPy keeps the upper half of a 64-bit draw for the next 32-bit request.
    spare_u32: Option<u32>,
}

impl NumpyRng {
    /// `numpy.random.default_rng(seed)`.
    pub fn new(seed: u64) -> Self {
        let w = seed_sequence_state(seed, 8);
        let word = |m: usize| w[2 * m] as u64 | ((w[2 * m + 1] as u64) << 32);
        let initstate = ((word(0) as u128) << 64) | word(1) as u128;
        let initseq = ((word(2) as u128) << 64) | word(3) as u128;
        let inc = (initseq << 1) | 1;
        let mut state = inc;
        state = state.wrapping_add(initstate);
        state = state.wrapping_mul(PCG_MULT).wrapping_add(inc);
        Self {
            state,
            inc,
            spare_u32: None,
        }
    }

    /// The raw 128-bit state and increment (for the test vectors of `rng.md` §2.4).
    pub fn state(&self) -> (u128, u128) {
        (self.state, self.inc)
    }

    /// One 64-bit output (XSL-RR).
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_mul(PCG_MULT).wrapping_add(self.inc);
        let x = ((self.state >> 64) as u64) ^ (self.state as u64);
        x.rotate_right((self.state >> 122) as u32)
    }

    /// One 32-bit output: the low half of a 64-bit draw, the high half on the next call.
    pub fn next_u32(&mut self) -> u32 {
        if let Some(v) = self.spare_u32.take() {
            return v;
        }
        let x = self.next_u64();
        self.spare_u32 = Some((x >> 32) as u32);
        x as u32
    }

    /// `random()`: uniform in [0, 1) with 53 random bits.
    #[inline]
    pub fn random(&mut self) -> f64 {
        crate::neuron::unit53(crate::neuron::bits53(self.next_u64()))
    }

    /// `uniform(lo, hi)` = lo + (hi − lo)·random().
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.random()
    }

    /// `integers(0, n)` for 1 ≤ n ≤ 2³²: NumPy's Lemire rejection on 32-bit draws.
    pub fn integer_below(&mut self, n: u64) -> u64 {
        assert!(
            (1..=1u64 << 32).contains(&n),
            "integer_below: n = {n} out of range"
        );
        if n == 1 {
            return 0;
        }
        if n == 1u64 << 32 {
            return self.next_u32() as u64;
        }
        let rng_excl = n as u32;
        let mut m = self.next_u32() as u64 * n;
        let mut leftover = m as u32;
        if leftover < rng_excl {
            let threshold = rng_excl.wrapping_neg() % rng_excl;
            while leftover < threshold {
                m = self.next_u32() as u64 * n;
                leftover = m as u32;
            }
        }
        m >> 32
    }
}

impl NumpyRng {
    /// `integers(0, hi + 1)` with `hi` inclusive, as NumPy's `random_bounded_uint64(0, hi)`
    /// draws it for hi < 2³² (no draw for hi = 0).
    fn bounded_inclusive(&mut self, hi: u64) -> u64 {
        self.integer_below(hi + 1)
    }

    /// `choice(pop, size, replace=False)` (uniform, `shuffle=True`): NumPy's Floyd sampling
    /// followed by a Fisher–Yates shuffle of the result, or — for pop > 10 000 and
    /// size > pop/50 — a partial shuffle of `arange(pop)` whose tail is returned. Panics if
    /// size > pop or pop > 2³².
    pub fn choice_without_replacement(&mut self, pop: usize, size: usize) -> Vec<usize> {
        assert!(size <= pop, "choice: size {size} > population {pop}");
        assert!(pop as u64 <= 1u64 << 32, "choice: population above 2^32");
        if pop > 10_000 && size > pop / 50 {
            let mut idx: Vec<usize> = (0..pop).collect();
            let first = (pop - size).max(1);
            for i in (first..pop).rev() {
                let j = self.bounded_inclusive(i as u64) as usize;
                idx.swap(i, j);
            }
            return idx[pop - size..].to_vec();
        }
        // Floyd: for j = pop−size … pop−1 take a uniform value in [0, j]; if it was taken
        // already, take j itself.
        let mut out = Vec::with_capacity(size);
        let mut taken = std::collections::HashSet::with_capacity(size);
        for j in pop - size..pop {
            let v = self.bounded_inclusive(j as u64) as usize;
            let pick = if taken.contains(&v) { j } else { v };
            taken.insert(pick);
            out.push(pick);
        }
        for i in (1..size).rev() {
            let j = self.bounded_inclusive(i as u64) as usize;
            out.swap(i, j);
        }
        out
    }

    /// `poisson(lam)`: 0 without a draw for lam = 0; Knuth's multiplication method
    /// (multiply uniforms until the product falls to e^(−lam) or below) for lam < 10;
    /// Hörmann's PTRS transformed rejection for lam ≥ 10 — NumPy's `random_poisson`.
    /// Panics for negative or NaN lam.
    pub fn poisson(&mut self, lam: f64) -> u64 {
        assert!(lam >= 0.0, "poisson: lam = {lam}");
        if lam == 0.0 {
            0
        } else if lam >= 10.0 {
            self.poisson_ptrs(lam)
        } else {
            let enlam = (-lam).exp();
            let mut x = 0;
            let mut prod = 1.0;
            loop {
                prod *= self.random();
                if prod > enlam {
                    x += 1;
                } else {
                    return x;
                }
            }
        }
    }

    fn poisson_ptrs(&mut self, lam: f64) -> u64 {
        let slam = lam.sqrt();
        let loglam = lam.ln();
        let b = 0.931 + 2.53 * slam;
        let a = -0.059 + 0.02483 * b;
        let invalpha = 1.1239 + 1.1328 / (b - 3.4);
        let vr = 0.9277 - 3.6224 / (b - 2.0);
        loop {
            let u = self.random() - 0.5;
            let v = self.random();
            let us = 0.5 - u.abs();
            let k = ((2.0 * a / us + b) * u + lam + 0.43).floor();
            if us >= 0.07 && v <= vr {
                return k as u64;
            }
            if k < 0.0 || (us < 0.013 && v > us) {
                continue;
            }
            if v.ln() + invalpha.ln() - (a / (us * us) + b).ln()
                <= -lam + k * loglam - loggam(k + 1.0)
            {
                return k as u64;
            }
        }
    }
}

/// ln Γ(x) as NumPy's `random_loggam` evaluates it (Stirling series after shifting x ≥ 7).
fn loggam(x: f64) -> f64 {
    const A: [f64; 10] = [
        8.333333333333333e-02,
        -2.777777777777778e-03,
        7.936507936507937e-04,
        -5.952380952380952e-04,
        8.417508417508418e-04,
        -1.917526917526918e-03,
        6.41025641025641e-03,
        -2.955065359477124e-02,
        1.796443723688307e-01,
        -1.39243221690590e+00,
    ];
    if x == 1.0 || x == 2.0 {
        return 0.0;
    }
    let n = if x < 7.0 { (7.0 - x) as i64 } else { 0 };
    let mut x0 = x + n as f64;
    let x2 = (1.0 / x0) * (1.0 / x0);
    let lg2pi = 1.8378770664093453e+00;
    let mut gl0 = A[9];
    for k in (0..9).rev() {
        gl0 *= x2;
        gl0 += A[k];
    }
    let mut gl = gl0 / x0 + 0.5 * lg2pi + (x0 - 0.5) * x0.ln() - x0;
    if x < 7.0 {
        for _ in 1..=n {
            gl -= (x0 - 1.0).ln();
            x0 -= 1.0;
        }
    }
    gl
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Test vectors of `rng.md` §2.4 (state after seeding, increment, first draws).
    #[test]
    #[allow(clippy::type_complexity)]
    fn matches_numpy_test_vectors() {
        let cases: [(u64, u128, u128, [u64; 3], [f64; 3]); 4] = [
            (
                0,
                0x1aa1b5345996452d09585eb7a69561e3,
                0x418ddadb3af71a82588133bc447873a9,
                [0xa30febcfd9c2825f, 0x4510bdf882d9d721, 0x0a7d3da94ecde8b8],
                [0.6369616873214543, 0.2697867137638703, 0.04097352393619469],
            ),
            (
                97,
                0x993cd3f62b35d33e2f7d20a5e3e70892,
                0x8693e9ef57489e8e410f3f3f0074883f,
                [0xac9d2e922347e912, 0x6eabf3201818a6e8, 0x84fcc56991b1a3f1],
                [0.6742734057218339, 0.4323112443308639, 0.5194819815384961],
            ),
            (
                649855,
                0x834f345227ff473c7555eecf0ce862b1,
                0xbe689aff0ac2558eb086c68942bb0e05,
                [0xaf2071d80abceadd, 0xb0f403b5e8382b76, 0x801fffe3d03a481e],
                [0.6840888168760447, 0.6912233656987331, 0.5004882746872933],
            ),
            (
                355446,
                0x74312a2aa3b31c69533b886b5e417bf5,
                0x309bd0ebd93a40ef83086491b8441c8b,
                [0xf9d4c3c8f30c8c5e, 0xa78265d059ee0c28, 0x3433060d0b1d590c],
                [0.9759027829741617, 0.6543334611578119, 0.2039035589069632],
            ),
        ];
        for (seed, state, inc, words, uniforms) in cases {
            let mut r = NumpyRng::new(seed);
            assert_eq!(r.state(), (state, inc), "seed {seed}");
            let mut r2 = r.clone();
            for w in words {
                assert_eq!(r.next_u64(), w, "seed {seed}");
            }
            for u in uniforms {
                assert_eq!(r2.random(), u, "seed {seed}");
            }
        }
        // Seed 97: pool words and the first eight 32-bit state words.
        assert_eq!(
            seed_sequence_state(97, 8),
            vec![
                0x191a3779, 0xe0eb1ca5, 0xfa7de978, 0xfbec5e24, 0xaba44f47, 0x4349f4f7, 0x803a441f,
                0x20879f9f
            ]
        );
        // rng.md: SAL run 0's first initial weight is −3 + 6·random() of seed 355446.
        assert_eq!(NumpyRng::new(355446).uniform(-3.0, 3.0), 2.85541669784497);
    }

    #[test]
    fn integers_are_in_range_and_uniform() {
        let mut r = NumpyRng::new(5);
        let mut counts = [0u32; 7];
        for _ in 0..70_000 {
            counts[r.integer_below(7) as usize] += 1;
        }
        // Binomial s.d. sqrt(70000·(1/7)(6/7)) ≈ 92.6; 5 s.d. band.
        for c in counts {
            assert!((c as f64 - 10_000.0).abs() < 5.0 * 92.6, "{counts:?}");
        }
    }
}
