//! The ConvNet's parameters and running statistics, addressed by the reference's names
//! (`conv1.weight`, `fc1.fb_weight`, `bn3.running_var`, …; PyTorch layouts), their
//! PyTorch-default initialisation drawn from our random streams (deep.md §1.1), and the fc
//! view a spiking feedback phase works on ([`FcParams`]).

use crate::error::{DeepError, Result};
use crate::float::Float;
use crate::method::{ConvKind, FcKind, Method};
use rand_core::Rng;

/// Kernel size of both convolutions (5×5, stride 1, no padding).
pub const KERNEL: usize = 5;
/// Channels of both convolutions.
pub const CONV_CHANNELS: usize = 64;
/// Widths of the fc layers: F → 384 → 192 → 10.
pub const FC_SIZES: [usize; 3] = [384, 192, 10];
/// Number of classes.
pub const CLASSES: usize = 10;

/// Input image shape C×H×W.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InputShape {
    /// Channels.
    pub c: usize,
    /// Height (pixels).
    pub h: usize,
    /// Width (pixels).
    pub w: usize,
}

/// Spatial sizes along the network for one input shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Geometry {
    pub c: usize,
    pub h: usize,
    pub w: usize,
    /// conv1 output.
    pub h1: usize,
    pub w1: usize,
    /// after pool1.
    pub hp1: usize,
    pub wp1: usize,
    /// conv2 output.
    pub h2: usize,
    pub w2: usize,
    /// after pool2.
    pub hp2: usize,
    pub wp2: usize,
    /// fc1 input width F = 64·hp2·wp2.
    pub f: usize,
}

impl InputShape {
    /// C×H×W.
    pub fn new(c: usize, h: usize, w: usize) -> Self {
        InputShape { c, h, w }
    }

    /// Pixels per image (C·H·W).
    pub fn len(&self) -> usize {
        self.c * self.h * self.w
    }

    /// Whether an image has no pixels.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// fc1's input width F = 64·H''·W'' (1600 for 32×32, 1024 for 28×28), or an error if
    /// the image is too small for two 5×5 convolutions and two 2×2 poolings (H, W ≥ 16).
    pub fn fc_input(&self) -> Result<usize> {
        Ok(self.geometry()?.f)
    }

    pub(crate) fn geometry(&self) -> Result<Geometry> {
        let (c, h, w) = (self.c, self.h, self.w);
        if c == 0 {
            return Err(DeepError::config(
                "input shape",
                "an image needs at least one channel",
            ));
        }
        let conv = |x: usize| x.checked_sub(KERNEL - 1);
        let stage = |x: usize| -> Option<(usize, usize, usize, usize)> {
            let a = conv(x)?;
            let p = a / 2;
            let b = conv(p)?;
            let q = b / 2;
            (q > 0).then_some((a, p, b, q))
        };
        match (stage(h), stage(w)) {
            (Some((h1, hp1, h2, hp2)), Some((w1, wp1, w2, wp2))) => Ok(Geometry {
                c,
                h,
                w,
                h1,
                w1,
                hp1,
                wp1,
                h2,
                w2,
                hp2,
                wp2,
                f: CONV_CHANNELS * hp2 * wp2,
            }),
            _ => Err(DeepError::config(
                "input shape",
                format!(
                    "{c}×{h}×{w} is too small: two 5×5 convolutions and 2×2 poolings need H, W ≥ 16"
                ),
            )),
        }
    }
}

impl std::fmt::Display for InputShape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}x{}", self.c, self.h, self.w)
    }
}

/// Slots of the parameter table (fixed order).
pub(crate) mod slot {
    pub const CONV1_W: usize = 0;
    pub const CONV1_FB: usize = 1;
    pub const CONV2_W: usize = 2;
    pub const CONV2_FB: usize = 3;
    /// fc layer k (0, 1, 2): weight, bias, feedback.
    pub const fn fc_w(k: usize) -> usize {
        4 + 3 * k
    }
    pub const fn fc_b(k: usize) -> usize {
        5 + 3 * k
    }
    pub const fn fc_fb(k: usize) -> usize {
        6 + 3 * k
    }
    /// BatchNorm j (0..4 = bn1..bn4): γ, β, running mean, running var.
    pub const fn bn_w(j: usize) -> usize {
        13 + 4 * j
    }
    pub const fn bn_b(j: usize) -> usize {
        14 + 4 * j
    }
    pub const fn bn_rm(j: usize) -> usize {
        15 + 4 * j
    }
    pub const fn bn_rv(j: usize) -> usize {
        16 + 4 * j
    }
    pub const COUNT: usize = 29;
}

/// The reference's name of slot `i`.
pub(crate) fn slot_name(i: usize) -> String {
    match i {
        slot::CONV1_W => "conv1.weight".into(),
        slot::CONV1_FB => "conv1.fb_weight".into(),
        slot::CONV2_W => "conv2.weight".into(),
        slot::CONV2_FB => "conv2.fb_weight".into(),
        4..=12 => {
            let k = (i - 4) / 3;
            let what = ["weight", "bias", "fb_weight"][(i - 4) % 3];
            format!("fc{}.{what}", k + 1)
        }
        13..=28 => {
            let j = (i - 13) / 4;
            let what = ["weight", "bias", "running_mean", "running_var"][(i - 13) % 4];
            format!("bn{}.{what}", j + 1)
        }
        _ => unreachable!("slot {i}"),
    }
}

/// What a slot is for the optimiser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A weight (conv or fc W).
    Weight,
    /// A feedback matrix/kernel B.
    Feedback,
    /// fc bias.
    Bias,
    /// BatchNorm γ or β.
    Affine,
    /// BatchNorm running statistic (not trained).
    Running,
}

pub(crate) fn slot_role(i: usize) -> Role {
    match i {
        slot::CONV1_W | slot::CONV2_W => Role::Weight,
        slot::CONV1_FB | slot::CONV2_FB => Role::Feedback,
        4..=12 => [Role::Weight, Role::Bias, Role::Feedback][(i - 4) % 3],
        _ => [Role::Affine, Role::Affine, Role::Running, Role::Running][(i - 13) % 4],
    }
}

/// The ConvNet's parameters (PyTorch layouts: weights `[out][in(,kh,kw)]`, row-major) in
/// element type `T`.
#[derive(Debug, Clone)]
pub struct Params<T> {
    pub(crate) method: Method,
    pub(crate) shape: InputShape,
    pub(crate) geom: Geometry,
    /// One tensor per slot; empty for slots the method does not have.
    pub(crate) t: Vec<Vec<T>>,
}

/// One named tensor: name, shape, values (as `f64`).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTensor {
    /// The reference's name, e.g. `fc1.fb_weight`.
    pub name: String,
    /// PyTorch shape.
    pub shape: Vec<usize>,
    /// Row-major values.
    pub data: Vec<f64>,
}

impl<T: Float> Params<T> {
    /// PyTorch-default initialisation (deep.md §1.1) drawn from `sal::rng::stream(seed,
    /// "convnet/init/<name>", 0)`, one stream per tensor: weights, feedback weights and fc
    /// biases ~ U(−1/√fan_in, 1/√fan_in) (fan_in = in_channels·25 or in_features), W and B
    /// independent; SCFA's fc feedback stored as |B|; BatchNorm γ = 1, β = 0, running mean 0,
    /// running var 1.
    pub fn init(method: Method, shape: InputShape, seed: u64) -> Result<Self> {
        let geom = shape.geometry()?;
        let mut t = vec![Vec::new(); slot::COUNT];
        for (i, slot_t) in t.iter_mut().enumerate() {
            if !slot_exists(method, i) {
                continue;
            }
            let dims = slot_shape(&geom, i);
            let n: usize = dims.iter().product();
            let name = slot_name(i);
            *slot_t = match slot_role(i) {
                Role::Weight | Role::Feedback | Role::Bias => {
                    let fan_in = fan_in(&geom, i);
                    let bound = 1.0 / (fan_in as f64).sqrt();
                    let mut rng = sal::rng::stream(seed, &format!("convnet/init/{name}"), 0);
                    let abs = method.fc_kind() == FcKind::Scfa && is_fc_fb(i);
                    (0..n)
                        .map(|_| {
                            let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                            let v = bound * (2.0 * u - 1.0);
                            T::from_f64(if abs { v.abs() } else { v })
                        })
                        .collect()
                }
                Role::Affine | Role::Running => {
                    let one = name.ends_with(".weight") || name.ends_with(".running_var");
                    vec![if one { T::ONE } else { T::ZERO }; n]
                }
            };
        }
        Ok(Params {
            method,
            shape,
            geom,
            t,
        })
    }

    /// The feedback method these parameters belong to.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The input shape.
    pub fn shape(&self) -> InputShape {
        self.shape
    }

    /// Names of the tensors this method has, in a fixed order (conv, fc, bn).
    pub fn names(&self) -> Vec<String> {
        (0..slot::COUNT)
            .filter(|&i| slot_exists(self.method, i))
            .map(slot_name)
            .collect()
    }

    /// The PyTorch shape of a named tensor, or an error for a name this method lacks.
    pub fn shape_of(&self, name: &str) -> Result<Vec<usize>> {
        let i = self.slot_of(name)?;
        Ok(slot_shape(&self.geom, i))
    }

    fn slot_of(&self, name: &str) -> Result<usize> {
        let i = (0..slot::COUNT)
            .find(|&i| slot_name(i) == name)
            .ok_or_else(|| DeepError::param(name, "no such parameter in the ConvNet"))?;
        if !slot_exists(self.method, i) {
            return Err(DeepError::param(
                name,
                format!("method {} has no such parameter", self.method),
            ));
        }
        Ok(i)
    }

    /// A named tensor's values (row-major, as `f64`).
    pub fn get(&self, name: &str) -> Result<Vec<f64>> {
        let i = self.slot_of(name)?;
        Ok(self.t[i].iter().map(|v| v.to_f64()).collect())
    }

    /// Every tensor of this method with its name and shape (what a checkpoint holds).
    pub fn to_named(&self) -> Vec<NamedTensor> {
        (0..slot::COUNT)
            .filter(|&i| slot_exists(self.method, i))
            .map(|i| NamedTensor {
                name: slot_name(i),
                shape: slot_shape(&self.geom, i),
                data: self.t[i].iter().map(|v| v.to_f64()).collect(),
            })
            .collect()
    }

    /// Sets one named tensor; its shape must match. SCFA's fc feedback is stored as |B|
    /// (the reference keeps absolute values).
    pub fn set(&mut self, name: &str, shape: &[usize], data: &[f64]) -> Result<()> {
        let i = self.slot_of(name)?;
        let expect = slot_shape(&self.geom, i);
        if shape != expect.as_slice() {
            return Err(DeepError::param(
                name,
                format!(
                    "shape {shape:?} does not match the network's {expect:?} (input {})",
                    self.shape
                ),
            ));
        }
        if data.len() != self.t[i].len() {
            return Err(DeepError::param(
                name,
                format!("{} values for shape {shape:?}", data.len()),
            ));
        }
        if let Some(j) = data.iter().position(|v| !v.is_finite()) {
            return Err(DeepError::param(name, format!("entry {j} is {}", data[j])));
        }
        if slot_role(i) == Role::Running
            && name.ends_with("running_var")
            && data.iter().any(|&v| v < 0.0)
        {
            return Err(DeepError::param(name, "a running variance must be ≥ 0"));
        }
        let abs = self.method.fc_kind() == FcKind::Scfa && is_fc_fb(i);
        for (dst, &v) in self.t[i].iter_mut().zip(data) {
            *dst = T::from_f64(if abs { v.abs() } else { v });
        }
        Ok(())
    }

    /// Sets every tensor of this method from `tensors` (e.g. a checkpoint or the oracle's
    /// `init/…` entries with the prefix removed). Every tensor the method has must be
    /// present; names of other ConvNet tensors that this method does not use (feedback
    /// weights under `bp`) are skipped and returned; an unknown name is an error.
    pub fn assign(&mut self, tensors: &[NamedTensor]) -> Result<Vec<String>> {
        let mut skipped = Vec::new();
        let mut seen = [false; slot::COUNT];
        for nt in tensors {
            let Some(i) = (0..slot::COUNT).find(|&i| slot_name(i) == nt.name) else {
                return Err(DeepError::param(
                    &nt.name,
                    "no such parameter in the ConvNet",
                ));
            };
            if !slot_exists(self.method, i) {
                skipped.push(nt.name.clone());
                continue;
            }
            self.set(&nt.name, &nt.shape, &nt.data)?;
            seen[i] = true;
        }
        if let Some(i) = (0..slot::COUNT).find(|&i| slot_exists(self.method, i) && !seen[i]) {
            return Err(DeepError::param(&slot_name(i), "missing"));
        }
        Ok(skipped)
    }

    /// The three fc layers as `f64` (what a spiking feedback phase needs; deep.md §2.2).
    /// For BP fc layers (no B) the feedback is a copy of W.
    pub fn fc(&self) -> FcParams {
        let g = |i: usize| self.t[i].iter().map(|v| v.to_f64()).collect::<Vec<f64>>();
        let sizes = [self.geom.f, FC_SIZES[0], FC_SIZES[1], FC_SIZES[2]];
        FcParams {
            sizes,
            w: [0, 1, 2].map(|k| g(slot::fc_w(k))),
            b: [0, 1, 2].map(|k| g(slot::fc_b(k))),
            fb: [0, 1, 2].map(|k| {
                if self.t[slot::fc_fb(k)].is_empty() {
                    g(slot::fc_w(k))
                } else {
                    g(slot::fc_fb(k))
                }
            }),
        }
    }

    /// Writes an [`FcParams`] back (W, biases and — where the method has them — B),
    /// checking sizes and finiteness of all three layers before anything is written.
    pub fn set_fc(&mut self, fc: &FcParams) -> Result<()> {
        for k in 0..3 {
            let layer = format!("fc{}", k + 1);
            let (o, i) = (fc_out(k), fc_in(&self.geom, k));
            if fc.w[k].len() != o * i || fc.b[k].len() != o || fc.fb[k].len() != o * i {
                return Err(DeepError::param(
                    &layer,
                    format!(
                        "feedback phase returned wrong sizes (expected W, B {o}×{i}, bias {o})"
                    ),
                ));
            }
            let has_fb = !self.t[slot::fc_fb(k)].is_empty();
            let parts = [
                (&fc.w[k], "weight"),
                (&fc.b[k], "bias"),
                (&fc.fb[k], "fb_weight"),
            ];
            for (v, what) in parts.iter().take(if has_fb { 3 } else { 2 }) {
                if let Some(j) = v.iter().position(|x| !x.is_finite()) {
                    return Err(DeepError::param(
                        &format!("{layer}.{what}"),
                        format!("entry {j} is {}", v[j]),
                    ));
                }
            }
        }
        for k in 0..3 {
            let put = |dst: &mut Vec<T>, v: &[f64]| {
                for (d, &x) in dst.iter_mut().zip(v) {
                    *d = T::from_f64(x);
                }
            };
            put(&mut self.t[slot::fc_w(k)], &fc.w[k]);
            put(&mut self.t[slot::fc_b(k)], &fc.b[k]);
            if !self.t[slot::fc_fb(k)].is_empty() {
                put(&mut self.t[slot::fc_fb(k)], &fc.fb[k]);
            }
        }
        Ok(())
    }

    /// Converts to another element type (rounding to `f32` if `U = f32`).
    pub fn cast<U: Float>(&self) -> Params<U> {
        Params {
            method: self.method,
            shape: self.shape,
            geom: self.geom,
            t: self
                .t
                .iter()
                .map(|v| v.iter().map(|x| U::from_f64(x.to_f64())).collect())
                .collect(),
        }
    }

    /// The first non-finite entry of any tensor, as (name, value).
    pub fn first_non_finite(&self) -> Option<(String, f64)> {
        self.t.iter().enumerate().find_map(|(i, v)| {
            v.iter()
                .find(|x| !x.is_finite())
                .map(|x| (slot_name(i), x.to_f64()))
        })
    }
}

/// The three fc layers of the ConvNet in `f64`, as a spiking feedback phase (SAL, RDD)
/// reads and writes them (deep.md §2.2, §3.2). Layer k = 0, 1, 2 is fc(k+1):
/// `w[k]` and `fb[k]` are `sizes[k+1] × sizes[k]` row-major (`[out][in]`, PyTorch layout; the
/// SALNet's B_k is `fb[k]ᵀ`), `b[k]` has `sizes[k+1]` entries. BatchNorm is not part of it.
#[derive(Debug, Clone, PartialEq)]
pub struct FcParams {
    /// Layer widths [F, 384, 192, 10].
    pub sizes: [usize; 4],
    /// Forward weights W (out × in).
    pub w: [Vec<f64>; 3],
    /// Biases.
    pub b: [Vec<f64>; 3],
    /// Feedback matrices B (out × in, W's layout).
    pub fb: [Vec<f64>; 3],
}

pub(crate) fn fc_out(k: usize) -> usize {
    FC_SIZES[k]
}

pub(crate) fn fc_in(g: &Geometry, k: usize) -> usize {
    if k == 0 { g.f } else { FC_SIZES[k - 1] }
}

fn is_fc_fb(i: usize) -> bool {
    (0..3).any(|k| i == slot::fc_fb(k))
}

/// Whether `method` has slot `i`.
pub(crate) fn slot_exists(method: Method, i: usize) -> bool {
    match i {
        slot::CONV1_FB | slot::CONV2_FB => method.conv_kind() == ConvKind::Fa,
        _ if is_fc_fb(i) => method.fc_kind() != FcKind::Bp,
        _ => true,
    }
}

pub(crate) fn slot_shape(g: &Geometry, i: usize) -> Vec<usize> {
    let k = KERNEL;
    match i {
        slot::CONV1_W | slot::CONV1_FB => vec![CONV_CHANNELS, g.c, k, k],
        slot::CONV2_W | slot::CONV2_FB => vec![CONV_CHANNELS, CONV_CHANNELS, k, k],
        4..=12 => {
            let l = (i - 4) / 3;
            if (i - 4) % 3 == 1 {
                vec![fc_out(l)]
            } else {
                vec![fc_out(l), fc_in(g, l)]
            }
        }
        _ => {
            let j = (i - 13) / 4;
            vec![[CONV_CHANNELS, CONV_CHANNELS, FC_SIZES[0], FC_SIZES[1]][j]]
        }
    }
}

fn fan_in(g: &Geometry, i: usize) -> usize {
    match i {
        slot::CONV1_W | slot::CONV1_FB => g.c * KERNEL * KERNEL,
        slot::CONV2_W | slot::CONV2_FB => CONV_CHANNELS * KERNEL * KERNEL,
        _ => fc_in(g, (i - 4) / 3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_names() {
        assert_eq!(InputShape::new(3, 32, 32).fc_input().unwrap(), 1600);
        assert_eq!(InputShape::new(1, 28, 28).fc_input().unwrap(), 1024);
        assert_eq!(InputShape::new(3, 20, 20).fc_input().unwrap(), 256);
        // 33 → 29 → 14 → 10 → 5 rows; 31 → 27 → 13 → 9 → 4 columns.
        assert_eq!(InputShape::new(3, 33, 31).fc_input().unwrap(), 64 * 5 * 4);
        assert!(InputShape::new(1, 15, 32).fc_input().is_err());
        let bp = Params::<f32>::init(Method::Bp, InputShape::new(3, 32, 32), 1).unwrap();
        assert_eq!(bp.names().len(), 4 * 4 + 2 + 6);
        assert!(bp.get("fc1.fb_weight").is_err());
        let fa = Params::<f32>::init(Method::Fa, InputShape::new(3, 32, 32), 1).unwrap();
        assert_eq!(fa.names().len(), 29);
        assert_eq!(fa.shape_of("fc1.fb_weight").unwrap(), vec![384, 1600]);
        assert_eq!(fa.shape_of("conv1.weight").unwrap(), vec![64, 3, 5, 5]);
        assert_eq!(fa.shape_of("bn3.running_var").unwrap(), vec![384]);
    }

    #[test]
    fn init_bounds_and_independence() {
        let p = Params::<f64>::init(Method::Scfa, InputShape::new(1, 28, 28), 5).unwrap();
        let w = p.get("fc1.weight").unwrap();
        let b = p.get("fc1.fb_weight").unwrap();
        let bound = 1.0 / 1024f64.sqrt();
        assert!(w.iter().all(|v| v.abs() <= bound));
        assert!(
            b.iter().all(|v| (0.0..=bound).contains(v)),
            "SCFA stores |B|"
        );
        // U(−a, a) has variance a²/3; 393 216 draws → the sample variance is within 1 %
        // (relative s.e. √(0.8/n) ≈ 0.14 %).
        let var = w.iter().map(|v| v * v).sum::<f64>() / w.len() as f64;
        assert!((var / (bound * bound / 3.0) - 1.0).abs() < 0.01, "{var}");
        let q = Params::<f64>::init(Method::Scfa, InputShape::new(1, 28, 28), 6).unwrap();
        assert_ne!(q.get("fc1.weight").unwrap(), w);
        assert_eq!(p.get("bn2.running_var").unwrap(), vec![1.0; 64]);
    }

    #[test]
    fn named_round_trip_and_validation() {
        let s = InputShape::new(3, 32, 32);
        let a = Params::<f32>::init(Method::Akrout, s, 1).unwrap();
        let mut b = Params::<f32>::init(Method::Akrout, s, 2).unwrap();
        assert!(b.assign(&a.to_named()).unwrap().is_empty());
        assert_eq!(a.to_named(), b.to_named());
        let mut bp = Params::<f32>::init(Method::Bp, s, 2).unwrap();
        let skipped = bp.assign(&a.to_named()).unwrap();
        assert_eq!(skipped.len(), 5);
        let e = b
            .set("fc2.weight", &[192, 385], &vec![0.0; 192 * 385])
            .unwrap_err();
        assert!(e.to_string().contains("fc2.weight"), "{e}");
        let mut partial = a.to_named();
        partial.retain(|t| t.name != "bn4.running_mean");
        let e = b.assign(&partial).unwrap_err();
        assert_eq!(e.to_string(), "parameter bn4.running_mean: missing");
        let mut odd = a.to_named();
        odd[0].name = "conv3.weight".into();
        assert!(
            b.assign(&odd)
                .unwrap_err()
                .to_string()
                .contains("conv3.weight")
        );
    }
}
