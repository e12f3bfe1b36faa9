//! The seven ways of sending the error back (deep.md §1.2): which backward pass each layer
//! uses, per section of `params/symm_net/exp_settings.yaml`.

use crate::error::DeepError;
use std::fmt;
use std::str::FromStr;

/// A section of `exp_settings.yaml` = one feedback method of Fig 8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Backpropagation everywhere.
    Bp,
    /// Feedback alignment (fixed random B) in conv and fc layers.
    Fa,
    /// FA in the conv layers, BP in the fc layers: the upper limit of methods that only fix
    /// the fc feedback.
    BpWFa,
    /// Kolen–Pollack (Akrout et al.): FA convs; fc feedback B trained with ∂B = ∂W and weight
    /// decay on W and B.
    Akrout,
    /// Sign-concordant FA: FA convs; fc error sent through |B|⊙sign(W).
    Scfa,
    /// FA layers; the fc feedback B is replaced by SAL phases between epochs (deep.md §2).
    Sal,
    /// FA layers; the fc feedback B is replaced by RDD phases between epochs (deep.md §3).
    Rdd,
}

/// Backward pass of a convolution layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvKind {
    /// Input gradient through W (transposed convolution with W).
    Bp,
    /// Input gradient through a fixed kernel B of W's shape.
    Fa,
}

/// Backward pass of a fully connected layer y = x·Wᵀ + b (δ = ∂L/∂y).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FcKind {
    /// δ·W.
    Bp,
    /// δ·B, B fixed (changed only by a feedback phase).
    Fa,
    /// δ·B with ∂B = ∂W = δᵀx (Kolen–Pollack).
    Kp,
    /// δ·(B ⊙ sign W), B = |B_init| fixed.
    Scfa,
}

impl Method {
    /// All methods, in the order of the parameter file.
    pub const ALL: [Method; 7] = [
        Method::Bp,
        Method::Fa,
        Method::BpWFa,
        Method::Akrout,
        Method::Scfa,
        Method::Sal,
        Method::Rdd,
    ];

    /// The section name (`bp`, `fa`, `bp_w_fa`, `akrout`, `scfa`, `sal`, `rdd`).
    pub fn name(self) -> &'static str {
        match self {
            Method::Bp => "bp",
            Method::Fa => "fa",
            Method::BpWFa => "bp_w_fa",
            Method::Akrout => "akrout",
            Method::Scfa => "scfa",
            Method::Sal => "sal",
            Method::Rdd => "rdd",
        }
    }

    /// Backward pass of conv1 and conv2 (only `bp` uses true conv gradients, D6).
    pub fn conv_kind(self) -> ConvKind {
        match self {
            Method::Bp => ConvKind::Bp,
            _ => ConvKind::Fa,
        }
    }

    /// Backward pass of fc1–fc3.
    pub fn fc_kind(self) -> FcKind {
        match self {
            Method::Bp | Method::BpWFa => FcKind::Bp,
            Method::Fa | Method::Sal | Method::Rdd => FcKind::Fa,
            Method::Akrout => FcKind::Kp,
            Method::Scfa => FcKind::Scfa,
        }
    }

    /// Whether the fc feedback matrices are learned by a spiking phase before every epoch
    /// (`sal`, `rdd`).
    pub fn needs_phase(self) -> bool {
        matches!(self, Method::Sal | Method::Rdd)
    }

    /// Whether weight decay is used (only `akrout`, on the fc weights and fc feedback
    /// matrices; the parameter file's `weight_decay` is ignored otherwise, D5).
    pub fn uses_weight_decay(self) -> bool {
        self == Method::Akrout
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Method {
    type Err = DeepError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Method::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| DeepError::UnknownMethod(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_table_of_deep_md() {
        use ConvKind as C;
        use FcKind as F;
        let table = [
            ("bp", C::Bp, F::Bp),
            ("fa", C::Fa, F::Fa),
            ("bp_w_fa", C::Fa, F::Bp),
            ("akrout", C::Fa, F::Kp),
            ("scfa", C::Fa, F::Scfa),
            ("sal", C::Fa, F::Fa),
            ("rdd", C::Fa, F::Fa),
        ];
        for (name, c, f) in table {
            let m: Method = name.parse().unwrap();
            assert_eq!((m.name(), m.conv_kind(), m.fc_kind()), (name, c, f));
        }
        assert!("sgd".parse::<Method>().is_err());
    }
}
