//! Axis scales, tick placement and tick-label formatting.

/// A data range mapped linearly or logarithmically onto [0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
}

impl Scale {
    /// Position of `v` in [0, 1] (outside for values outside the range; NaN for
    /// non-positive values on a log scale).
    pub fn norm(&self, v: f64) -> f64 {
        if self.log {
            if v <= 0.0 {
                return f64::NAN;
            }
            (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        }
    }

    /// Inverse of [`Scale::norm`].
    pub fn denorm(&self, t: f64) -> f64 {
        if self.log {
            10f64.powf(self.lo.log10() + t * (self.hi.log10() - self.lo.log10()))
        } else {
            self.lo + t * (self.hi - self.lo)
        }
    }

    /// d(norm)/d(value) at `v`.
    pub fn deriv(&self, v: f64) -> f64 {
        if self.log {
            1.0 / (v * std::f64::consts::LN_10 * (self.hi.log10() - self.lo.log10()))
        } else {
            1.0 / (self.hi - self.lo)
        }
    }

    /// Whether `v` can be drawn on this scale at all.
    pub fn valid(&self, v: f64) -> bool {
        v.is_finite() && (!self.log || v > 0.0)
    }
}

/// One tick mark.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tick {
    pub at: f64,
    pub label: String,
    pub major: bool,
}

/// The ticks of one axis plus an optional common multiplier ("×10⁻³").
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct TickSet {
    pub ticks: Vec<Tick>,
    pub multiplier: Option<String>,
}

impl TickSet {
    pub fn majors(&self) -> impl Iterator<Item = &Tick> {
        self.ticks.iter().filter(|t| t.major)
    }
}

/// Space requirements for choosing a tick step.
pub(crate) struct Spacing<'a> {
    /// Axis length in logical pixels.
    pub length: f64,
    /// Minimum distance between tick centres regardless of labels.
    pub min_sep: f64,
    /// Extra gap required between neighbouring labels, added to the label
    /// extent (`None`: labels are stacked perpendicular to the axis, their
    /// width does not matter).
    pub label_gap: Option<f64>,
    /// Measures a label's extent along the axis.
    pub measure: &'a dyn Fn(&str) -> f64,
    /// Only whole-number steps (epochs, counts).
    pub integer: bool,
}

const SUPERSCRIPTS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

/// `10` followed by `exp` in superscript digits.
pub(crate) fn pow10_label(exp: i32) -> String {
    let mut s = String::from("10");
    if exp < 0 {
        s.push('⁻');
    }
    for c in exp.unsigned_abs().to_string().chars() {
        s.push(SUPERSCRIPTS[c.to_digit(10).unwrap_or(0) as usize]);
    }
    s
}

/// Formats `v` with `decimals` digits and a typographic minus sign.
pub(crate) fn format_number(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    // "-0.00" -> "0.00"
    let negative_zero = s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.');
    let s = if negative_zero { s[1..].to_string() } else { s };
    s.replace('-', "\u{2212}")
}

/// Short general-purpose formatting (legends, explicit values).
pub(crate) fn format_auto(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        let exp = a.log10().floor() as i32;
        let mant = v / 10f64.powi(exp);
        let m = format_number(mant, 1);
        let m = m.trim_end_matches(".0");
        return format!("{m}×{}", pow10_label(exp));
    }
    let digits = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
    let s = format_number(v, digits);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Candidate steps in ascending order covering the span.
fn candidate_steps(span: f64) -> Vec<(f64, usize)> {
    let e0 = span.log10().floor() as i32;
    let mut out = Vec::new();
    for e in (e0 - 4)..=(e0 + 1) {
        for (m, extra) in [(1.0, 0usize), (2.0, 0), (2.5, 1), (5.0, 0)] {
            let step = m * 10f64.powi(e);
            let decimals = (extra as i32 - e).max(0) as usize;
            out.push((step, decimals));
        }
    }
    out
}

/// Nice linear ticks for `[lo, hi]` that fit the spacing constraints.
pub(crate) fn linear_ticks(lo: f64, hi: f64, sp: &Spacing<'_>) -> TickSet {
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    let span = hi - lo;
    if span <= 0.0 || !span.is_finite() {
        return TickSet {
            ticks: vec![Tick {
                at: lo,
                label: format_auto(lo),
                major: true,
            }],
            multiplier: None,
        };
    }
    let maxabs = lo.abs().max(hi.abs());
    // Scientific multiplier for very large or very small numbers.
    let exp = if !(1e-3..1e5).contains(&maxabs) {
        maxabs.log10().floor() as i32
    } else {
        0
    };
    let factor = 10f64.powi(-exp);
    let multiplier = (exp != 0).then(|| format!("×{}", pow10_label(exp)));

    let px_per_unit = sp.length / span;
    let mut fallback: Option<Vec<Tick>> = None;
    for (step_scaled, decimals) in candidate_steps(span * factor) {
        let step = step_scaled / factor;
        if sp.integer && (step < 1.0 - 1e-9 || (step - step.round()).abs() > 1e-9) {
            continue;
        }
        let first = (lo / step - 1e-9).ceil() as i64;
        let last = (hi / step + 1e-9).floor() as i64;
        if last < first {
            continue;
        }
        let count = (last - first + 1) as usize;
        if count > 60 {
            continue;
        }
        let ticks: Vec<Tick> = (first..=last)
            .map(|k| {
                let at = k as f64 * step;
                Tick {
                    at,
                    label: format_number(k as f64 * step_scaled, decimals),
                    major: true,
                }
            })
            .collect();
        let sep = step * px_per_unit;
        let need = match sp.label_gap {
            Some(gap) => {
                let widest = ticks
                    .iter()
                    .map(|t| (sp.measure)(&t.label))
                    .fold(0.0, f64::max);
                (widest + gap).max(sp.min_sep)
            }
            None => sp.min_sep,
        };
        if count >= 2 {
            fallback = Some(ticks.clone());
        }
        if sep >= need && count >= 2 {
            return TickSet { ticks, multiplier };
        }
        if count < 2 {
            break;
        }
    }
    match fallback {
        // Keep the two ends only if even the coarsest step is too dense.
        Some(t) if t.len() > 2 => TickSet {
            ticks: vec![t[0].clone(), t[t.len() - 1].clone()],
            multiplier,
        },
        Some(t) => TickSet {
            ticks: t,
            multiplier,
        },
        None => TickSet {
            ticks: vec![Tick {
                at: (lo + hi) / 2.0,
                label: format_auto((lo + hi) / 2.0),
                major: true,
            }],
            multiplier: None,
        },
    }
}

/// Smallest number of decimals (≤ 6) that writes `v` exactly (to 1e-9 relative).
fn decimals_for(v: f64) -> usize {
    for d in 0..=6 {
        let f = 10f64.powi(d as i32);
        if ((v * f).round() / f - v).abs() <= 1e-9 * v.abs().max(1e-300) {
            return d;
        }
    }
    6
}

/// `m×10ⁿ` (or `10ⁿ` for m = 1) with the mantissa rounded to `sig` significant digits.
fn pow10_mantissa_label(v: f64, sig: usize) -> String {
    let exp = v.abs().log10().floor() as i32;
    let mut m = v / 10f64.powi(exp);
    let f = 10f64.powi(sig as i32 - 1);
    m = (m * f).round() / f;
    let (m, exp) = if m.abs() >= 10.0 {
        (m / 10.0, exp + 1)
    } else {
        (m, exp)
    };
    if (m - 1.0).abs() < 1e-9 {
        return pow10_label(exp);
    }
    let d = decimals_for(m).min(sig.saturating_sub(1));
    format!("{}×{}", format_number(m, d), pow10_label(exp))
}

/// Labels for the ticks of one log axis, all in one format: plain decimals when every value
/// lies in [10⁻³, 10⁴] and is not a bare decade of a decades-only axis, else `m×10ⁿ`.
fn log_labels(vals: &[f64], decades_only: bool) -> Vec<String> {
    let plain = !decades_only && vals.iter().all(|&v| (1e-3 - 1e-12..=1e4).contains(&v));
    vals.iter()
        .map(|&v| {
            if plain {
                format_number(v, decimals_for(v))
            } else {
                pow10_mantissa_label(v, 2)
            }
        })
        .collect()
}

/// Whether labels at `vals` (screen positions from `pos`) keep the spacing `sp` asks for.
fn log_labels_fit(
    vals: &[f64],
    labels: &[String],
    pos: &dyn Fn(f64) -> f64,
    sp: &Spacing<'_>,
) -> bool {
    vals.windows(2).zip(labels.windows(2)).all(|(v, l)| {
        let d = pos(v[1]) - pos(v[0]);
        let need = match sp.label_gap {
            Some(gap) => ((sp.measure)(&l[0]) + (sp.measure)(&l[1])) / 2.0 + gap,
            None => 0.0,
        };
        d >= need.max(sp.min_sep * 0.7)
    })
}

/// The minimum number of labelled ticks on every log axis.
pub(crate) const MIN_LOG_LABELS: usize = 3;

/// Ticks of a log axis on `[lo, hi]` with at least [`MIN_LOG_LABELS`] labels in one format:
/// decades (every `stride`-th when crowded) with unlabelled minor ticks; for spans of less
/// than three decades the 1-2-5 (or 1-3) multiples of each decade; for spans of less than
/// about one decade nice linear steps; as a last resort three values rounded to two
/// significant digits.
pub(crate) fn log_ticks(lo: f64, hi: f64, sp: &Spacing<'_>) -> TickSet {
    let (dlo, dhi) = (lo.log10(), hi.log10());
    let px_per_decade = sp.length / (dhi - dlo).max(1e-12);
    let pos = move |v: f64| (v.log10() - dlo) * px_per_decade;
    let in_range = |v: f64| v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9);
    let first = (dlo - 1e-9).ceil() as i32;
    let last = (dhi + 1e-9).floor() as i32;
    let build = |vals: Vec<f64>, labels: Vec<String>, minor: Vec<f64>| {
        let mut ticks: Vec<Tick> = vals
            .into_iter()
            .zip(labels)
            .map(|(at, label)| Tick {
                at,
                label,
                major: true,
            })
            .collect();
        ticks.extend(minor.into_iter().filter(|&v| in_range(v)).map(|at| Tick {
            at,
            label: String::new(),
            major: false,
        }));
        TickSet {
            ticks,
            multiplier: None,
        }
    };
    // 1. Decades, every `stride`-th labelled.
    let decades: Vec<i32> = (first..=last).collect();
    let mut crowded_fallback = None;
    for stride in 1..=decades.len().max(1) as i32 {
        let ks: Vec<i32> = decades
            .iter()
            .copied()
            .filter(|k| k.rem_euclid(stride) == 0)
            .collect();
        if ks.len() < MIN_LOG_LABELS {
            break;
        }
        let vals: Vec<f64> = ks.iter().map(|&k| 10f64.powi(k)).collect();
        let labels = log_labels(&vals, true);
        let mut minor = Vec::new();
        if stride == 1 && px_per_decade >= 25.0 {
            for k in (first - 1)..=last {
                minor.extend((2..=9).map(|m| f64::from(m) * 10f64.powi(k)));
            }
        } else if stride > 1 {
            minor.extend(
                decades
                    .iter()
                    .filter(|k| k.rem_euclid(stride) != 0)
                    .map(|&k| 10f64.powi(k)),
            );
        }
        if log_labels_fit(&vals, &labels, &pos, sp) {
            return build(vals, labels, minor);
        }
        crowded_fallback = Some((vals, labels, minor));
    }
    if let Some((vals, labels, minor)) = crowded_fallback {
        // Even the sparsest decade labelling with three labels is crowded: keep it anyway.
        return build(vals, labels, minor);
    }
    // 2. Multiples of each decade; then one multiple per decade (2, 20, 200 …).
    let mantissa_sets: [&[f64]; 6] = [
        &[1.0, 2.0, 5.0],
        &[1.0, 3.0],
        &[2.0],
        &[5.0],
        &[3.0],
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
    ];
    for mant in mantissa_sets {
        let mut vals = Vec::new();
        for k in (dlo.floor() as i32)..=(dhi.ceil() as i32) {
            for &m in mant {
                let v = m * 10f64.powi(k);
                if in_range(v) {
                    vals.push(v);
                }
            }
        }
        if vals.len() < MIN_LOG_LABELS {
            continue;
        }
        let labels = log_labels(&vals, false);
        if log_labels_fit(&vals, &labels, &pos, sp) {
            let mut minor = Vec::new();
            if px_per_decade >= 25.0 && mant.len() < 9 {
                for k in (dlo.floor() as i32)..=(dhi.ceil() as i32) {
                    for m in 1..=9 {
                        if !mant.contains(&f64::from(m)) {
                            minor.push(f64::from(m) * 10f64.powi(k));
                        }
                    }
                }
            }
            return build(vals, labels, minor);
        }
    }
    // 3. Nice linear steps (narrow ranges; with a common multiplier "×10⁻⁷" for very small or
    //    large values), if they are apart on the log axis too.
    // (Labels may sit closer here, as close as the axis draws them: 0.3 of the usual gap.)
    let relaxed = Spacing {
        label_gap: sp.label_gap.map(|g| 0.3 * g),
        min_sep: 0.5 * sp.min_sep,
        ..*sp
    };
    let lin = linear_ticks(lo, hi, &relaxed);
    let majors: Vec<&Tick> = lin.majors().filter(|t| t.at > 0.0).collect();
    for spacing in [sp, &relaxed] {
        for stride in 1..=majors.len().max(1) {
            let pick: Vec<&Tick> = majors.iter().copied().step_by(stride).collect();
            if pick.len() < MIN_LOG_LABELS {
                break;
            }
            let vals: Vec<f64> = pick.iter().map(|t| t.at).collect();
            let labels: Vec<String> = pick.iter().map(|t| t.label.clone()).collect();
            if log_labels_fit(&vals, &labels, &pos, spacing) {
                let mut t = build(vals, labels, Vec::new());
                t.multiplier = lin.multiplier.clone();
                return t;
            }
        }
    }
    // 4. Three values, rounded to as few significant digits as keep them distinct.
    let raw: Vec<f64> = [0.1, 0.5, 0.9]
        .iter()
        .map(|t| 10f64.powf(dlo + t * (dhi - dlo)))
        .collect();
    let round = |v: f64, sig: i32| {
        let f = 10f64.powi(sig - 1 - v.log10().floor() as i32);
        (v * f).round() / f
    };
    let mut sig = 2;
    let mut vals: Vec<f64> = raw.iter().map(|&v| round(v, sig)).collect();
    while sig < 8 && vals.windows(2).any(|w| w[0] == w[1]) {
        sig += 1;
        vals = raw.iter().map(|&v| round(v, sig)).collect();
    }
    let plain = vals.iter().all(|&v| (1e-3..=1e4).contains(&v));
    let labels = vals
        .iter()
        .map(|&v| {
            if plain {
                format_number(v, decimals_for(v))
            } else {
                pow10_mantissa_label(v, sig as usize)
            }
        })
        .collect();
    build(vals, labels, Vec::new())
}

/// Explicit ticks supplied by the caller, restricted to the visible range.
pub(crate) fn explicit_ticks(list: &[(f64, String)], scale: &Scale) -> TickSet {
    let (lo, hi) = (scale.lo.min(scale.hi), scale.lo.max(scale.hi));
    let eps = (hi - lo).abs() * 1e-9;
    TickSet {
        ticks: list
            .iter()
            .filter(|(v, _)| scale.valid(*v) && *v >= lo - eps && *v <= hi + eps)
            .map(|(v, l)| Tick {
                at: *v,
                label: l.clone(),
                major: true,
            })
            .collect(),
        multiplier: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(length: f64) -> Spacing<'static> {
        Spacing {
            length,
            min_sep: 40.0,
            label_gap: None,
            measure: &|s: &str| s.chars().count() as f64 * 7.0,
            integer: false,
        }
    }

    #[test]
    fn linear_ticks_are_nice() {
        let t = linear_ticks(0.0, 1.0, &sp(300.0));
        let labels: Vec<_> = t.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        assert!(t.multiplier.is_none());
        let t = linear_ticks(-3.0, 7.0, &sp(300.0));
        assert_eq!(t.ticks[0].label, "\u{2212}2");
        let t = linear_ticks(0.0, 2e-4, &sp(300.0));
        assert_eq!(t.multiplier.as_deref(), Some("×10⁻⁴"));
        let t = linear_ticks(0.0, 100.0, &sp(180.0));
        let labels: Vec<_> = t.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0", "25", "50", "75", "100"]);
        let t = linear_ticks(0.0, 1.0, &sp(500.0));
        assert_eq!(t.ticks[1].label, "0.1");
    }

    #[test]
    fn log_ticks_are_decades() {
        let t = log_ticks(1e-4, 1.0, &sp(300.0));
        let labels: Vec<_> = t.majors().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "10⁰"]);
    }

    #[test]
    fn number_formatting() {
        assert_eq!(format_number(-0.0001, 2), "0.00");
        assert_eq!(format_auto(0.25), "0.25");
        assert_eq!(format_auto(1.5e-6), "1.5×10⁻⁶");
        assert_eq!(pow10_label(-12), "10⁻¹²");
    }
}
