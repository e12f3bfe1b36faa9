//! Building blocks for figures: ticks in a unit (t_ref), distributions over runs (points, and
//! a box only when there are enough runs), numbers for titles and legends.

use super::color::Rgb;
use super::model::{Series, Style};
use super::ticks::{format_number, pow10_label};

/// Explicit ticks for the data range `[lo, hi]` at nice multiples of `unit`, labelled in that
/// unit ("0", "0.5", "1", …): for an axis whose data are in steps but whose label says
/// `"[t_ref]"`, `unit_ticks(0.0, 79.0, 40.0)` gives 0, 0.5, 1, 1.5 t_ref; at most
/// 7 ticks for any range.
pub fn unit_ticks(lo: f64, hi: f64, unit: f64) -> Vec<(f64, String)> {
    let (lo, hi) = (lo.min(hi) / unit, lo.max(hi) / unit);
    let span = hi - lo;
    if !(span > 0.0 && span.is_finite()) {
        return vec![(lo * unit, format_value(lo))];
    }
    let e = span.log10().floor() as i32;
    let mut step = 10f64.powi(e + 1);
    for k in [e + 1, e, e - 1] {
        for m in [5.0, 2.5, 2.0, 1.0] {
            let s = m * 10f64.powi(k);
            let count = ((hi / s + 1e-9).floor() - (lo / s - 1e-9).ceil()) as i64 + 1;
            if count <= 7 {
                step = s;
            }
        }
    }
    let decimals = {
        let mut d = 0usize;
        while d < 6
            && ((step * 10f64.powi(d as i32)).round() - step * 10f64.powi(d as i32)).abs() > 1e-9
        {
            d += 1;
        }
        d
    };
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last)
        .map(|k| {
            let v = k as f64 * step;
            let label = format_number(v, decimals);
            let label = if label.contains('.') {
                label
                    .trim_end_matches('0')
                    .trim_end_matches('.')
                    .to_string()
            } else {
                label
            };
            (v * unit, label)
        })
        .collect()
}

/// A number for titles and legends with three significant digits: "0.0153", "1.21×10⁻⁵".
pub fn format_value(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".into()
        } else if v > 0.0 {
            "+∞".into()
        } else {
            "−∞".into()
        };
    }
    let a = v.abs();
    let exp = a.log10().floor() as i32;
    if (1e-3..1e5).contains(&a) {
        let d = (2 - exp).max(0) as usize;
        let s = format_number(v, d);
        return if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        };
    }
    let mut m = v / 10f64.powi(exp);
    m = (m * 100.0).round() / 100.0;
    let (m, exp) = if m.abs() >= 10.0 {
        (m / 10.0, exp + 1)
    } else {
        (m, exp)
    };
    let ms = format_number(m, 2);
    let ms = ms.trim_end_matches('0').trim_end_matches('.');
    if ms == "1" {
        pow10_label(exp)
    } else {
        format!("{ms}×{}", pow10_label(exp))
    }
}

/// Below this many values a distribution is shown as its points only, without a box.
pub const MIN_BOX_RUNS: usize = 5;

/// One group of a distribution panel at `x0` (e.g. one variant's final losses): every
/// finite value as a dot (deterministic horizontal jitter within ±0.18), and — with at least
/// [`MIN_BOX_RUNS`] values — a box from the 25 % to the 75 % quantile with the median and
/// whiskers to the most extreme values within 1.5 IQR of the box. Non-finite values are
/// passed on as dots (the kit marks +∞ at the top edge, and ≤ 0 at the bottom edge of a log
/// axis). `label` goes to the dots' legend entry.
pub fn distribution(x0: f64, ys: &[f64], color: Rgb, label: Option<String>) -> Vec<Series> {
    let mut out = Vec::new();
    let finite: Vec<f64> = ys.iter().copied().filter(|y| y.is_finite()).collect();
    if finite.len() >= MIN_BOX_RUNS
        && let Some(b) = box_lines(x0, &finite, Rgb::hex(0x404040))
    {
        out.push(b);
    }
    let xs: Vec<f64> = (0..ys.len())
        .map(|j| x0 + ((j as f64 + 1.0) * 0.618_033_988_75).fract() * 0.36 - 0.18)
        .collect();
    out.push(Series::Scatter {
        x: xs,
        y: ys.to_vec(),
        style: Style::new(color).alpha(0.75),
        size: 8,
        label,
    });
    out
}

/// Linear-interpolation quantile of a sorted sample.
fn quantile_sorted(v: &[f64], q: f64) -> f64 {
    let pos = q * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

/// A box plot drawn with lines: box from q25 to q75, median, whiskers with caps.
fn box_lines(x0: f64, ys: &[f64], color: Rgb) -> Option<Series> {
    let mut v = ys.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return None;
    }
    let (q25, med, q75) = (
        quantile_sorted(&v, 0.25),
        quantile_sorted(&v, 0.5),
        quantile_sorted(&v, 0.75),
    );
    let iqr = q75 - q25;
    let lo = v
        .iter()
        .copied()
        .filter(|&y| y >= q25 - 1.5 * iqr)
        .fold(q25, f64::min);
    let hi = v
        .iter()
        .copied()
        .filter(|&y| y <= q75 + 1.5 * iqr)
        .fold(q75, f64::max);
    let (w, c) = (0.25, 0.12);
    let segs: [&[(f64, f64)]; 6] = [
        &[
            (x0 - w, q25),
            (x0 + w, q25),
            (x0 + w, q75),
            (x0 - w, q75),
            (x0 - w, q25),
        ],
        &[(x0 - w, med), (x0 + w, med)],
        &[(x0, q25), (x0, lo)],
        &[(x0 - c, lo), (x0 + c, lo)],
        &[(x0, q75), (x0, hi)],
        &[(x0 - c, hi), (x0 + c, hi)],
    ];
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for s in segs {
        for &(a, b) in s {
            x.push(a);
            y.push(b);
        }
        x.push(f64::NAN);
        y.push(f64::NAN);
    }
    Some(Series::Line {
        x,
        y,
        style: Style::new(color).width(2),
        label: None,
    })
}
