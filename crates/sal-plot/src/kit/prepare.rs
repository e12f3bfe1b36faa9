//! Validation of panels and resolution of axis and colour ranges.

use super::canvas::ensure_fonts;
use super::color::{Rgb, colormap_rgb};
use super::model::{ArrowScale, Figure, Heatmap, Panel, PlotError, Series};
use super::ticks::Scale;

// ---------------------------------------------------------------------------
// Validation and ranges

/// A panel that passed validation, with its resolved scales.
pub(super) struct Prepared<'a> {
    pub(super) panel: &'a Panel,
    pub(super) xs: Scale,
    pub(super) ys: Scale,
    pub(super) heat: Option<HeatPrep>,
    /// The panel letter drawn (the panel's tag, or the automatic letter).
    pub(super) tag: Option<String>,
}

/// The letter of every panel of a multi-panel figure: its own tag, else A, B, C, … by its
/// position in reading order (skipping letters other panels use as tags).
pub(super) fn panel_tags(fig: &Figure) -> Vec<Option<String>> {
    if fig.panels.len() < 2 {
        return fig.panels.iter().map(|p| p.tag.clone()).collect();
    }
    let used: Vec<&str> = fig.panels.iter().filter_map(|p| p.tag.as_deref()).collect();
    let mut next = 0;
    fig.panels
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if let Some(t) = &p.tag {
                return Some(t.clone());
            }
            next = next.max(i);
            while used.contains(&letter(next).as_str()) {
                next += 1;
            }
            let l = letter(next);
            next += 1;
            Some(l)
        })
        .collect()
}

/// A, B, …, Z, AA, AB, …
fn letter(i: usize) -> String {
    let a = (b'A' + (i % 26) as u8) as char;
    if i < 26 {
        a.to_string()
    } else {
        format!("{}{a}", letter(i / 26 - 1))
    }
}

/// Units that tick labels may carry; an axis with such ticks must name the unit.
const TICK_UNITS: [&str; 4] = ["t_ref", "ms", "steps", "°"];

/// Explicit tick labels carrying a unit the axis label does not name (e.g. t_ref ticks on
/// an axis labelled "[steps]").
pub(super) fn tick_unit_problem(label: &str, ticks: &[(f64, String)]) -> Option<String> {
    for (_, t) in ticks {
        for unit in TICK_UNITS {
            let has = |s: &str| {
                s.match_indices(unit).any(|(i, _)| {
                    let before = s[..i].chars().next_back();
                    let after = s[i + unit.len()..].chars().next();
                    !before.is_some_and(|c| c.is_alphabetic() || c == '_')
                        && !after.is_some_and(|c| c.is_alphabetic() || c == '_')
                })
            };
            if has(t) && !has(label) {
                return Some(format!(
                    "tick label {t:?} is in {unit} but the axis label {label:?} does not say {unit}"
                ));
            }
        }
    }
    None
}

/// Resolved heatmap value range and colours.
pub(super) struct HeatPrep {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) colors: Vec<Rgb>,
}

pub(super) fn panel_context(i: usize, p: &Panel) -> String {
    match &p.title {
        Some(t) => format!("panel {i} (\"{t}\")"),
        None => format!("panel {i}"),
    }
}

pub(super) fn check_len(
    ctx: &str,
    field: &'static str,
    expected: usize,
    found: usize,
) -> Result<(), PlotError> {
    if expected == found {
        Ok(())
    } else {
        Err(PlotError::LengthMismatch {
            context: ctx.to_string(),
            field,
            expected,
            found,
        })
    }
}

pub(super) fn check_alpha(ctx: &str, alpha: f64) -> Result<(), PlotError> {
    if (0.0..=1.0).contains(&alpha) {
        Ok(())
    } else {
        Err(PlotError::Invalid {
            context: ctx.to_string(),
            message: format!("alpha must be in [0, 1], got {alpha}"),
        })
    }
}

pub(super) fn check_range(ctx: &str, r: (f64, f64), log: bool) -> Result<(), PlotError> {
    let (lo, hi) = r;
    if lo.is_finite() && hi.is_finite() && lo < hi && (!log || lo > 0.0) {
        Ok(())
    } else {
        Err(PlotError::InvalidRange {
            context: ctx.to_string(),
            lo,
            hi,
        })
    }
}

pub(super) fn series_context(ctx: &str, i: usize, label: &Option<String>) -> String {
    match label {
        Some(l) => format!("{ctx}, series {i} (\"{l}\")"),
        None => format!("{ctx}, series {i}"),
    }
}

/// Cell edges of a heatmap axis, computed in scale space (geometric
/// midpoints on a log axis).
pub(super) fn cell_edges(v: &[f64], log: bool) -> Vec<f64> {
    let f = |x: f64| if log { x.log10() } else { x };
    let g = |u: f64| if log { 10f64.powf(u) } else { u };
    let u: Vec<f64> = v.iter().map(|&x| f(x)).collect();
    let n = u.len();
    let mut e = Vec::with_capacity(n + 1);
    e.push(u[0] - (u[1] - u[0]) / 2.0);
    for w in u.windows(2) {
        e.push((w[0] + w[1]) / 2.0);
    }
    e.push(u[n - 1] + (u[n - 1] - u[n - 2]) / 2.0);
    e.into_iter().map(g).collect()
}

pub(super) fn validate_heatmap(
    ctx: &str,
    h: &Heatmap,
    log_x: bool,
    log_y: bool,
) -> Result<HeatPrep, PlotError> {
    let ctx = format!("{ctx}, heatmap");
    let invalid = |message: String| PlotError::Invalid {
        context: ctx.clone(),
        message,
    };
    for (name, v, log) in [("x", &h.x, log_x), ("y", &h.y, log_y)] {
        if v.len() < 2 {
            return Err(invalid(format!(
                "`{name}` needs at least 2 grid points, got {}",
                v.len()
            )));
        }
        if v.iter().any(|x| !x.is_finite() || (log && *x <= 0.0)) {
            return Err(invalid(format!(
                "`{name}` has non-finite{} grid points",
                if log { " or non-positive" } else { "" }
            )));
        }
        if v.windows(2).any(|w| w[1] <= w[0]) {
            return Err(invalid(format!("`{name}` must be strictly increasing")));
        }
    }
    check_len(&ctx, "values", h.x.len() * h.y.len(), h.values.len())?;
    if h.levels == 0 {
        return Err(invalid("`levels` must be at least 1".into()));
    }
    let (lo, hi) = match h.range {
        Some(r) => {
            check_range(&ctx, r, false)?;
            r
        }
        None => {
            let finite = h.values.iter().copied().filter(|v| v.is_finite());
            let (mut lo, mut hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
            if lo > hi {
                return Err(invalid(
                    "no finite values to derive the colour range from".into(),
                ));
            }
            if h.colormap.is_diverging() {
                let m = lo.abs().max(hi.abs());
                (lo, hi) = (-m, m);
            }
            if lo == hi {
                let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
                (lo, hi) = (lo - d, hi + d);
            }
            (lo, hi)
        }
    };
    let colors = (0..h.levels)
        .map(|k| {
            let t = if h.levels == 1 {
                0.5
            } else {
                k as f64 / (h.levels - 1) as f64
            };
            colormap_rgb(h.colormap, t)
        })
        .collect();
    Ok(HeatPrep { lo, hi, colors })
}

/// Data bounds collected for auto-scaling one axis.
#[derive(Default)]
pub(super) struct Bounds {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) any: bool,
    /// Bars or steps start at zero: do not add margin beyond a zero bound.
    pub(super) sticky_zero: bool,
}

impl Bounds {
    fn push(&mut self, v: f64, log: bool) {
        if !v.is_finite() || (log && v <= 0.0) {
            return;
        }
        if self.any {
            self.lo = self.lo.min(v);
            self.hi = self.hi.max(v);
        } else {
            (self.lo, self.hi, self.any) = (v, v, true);
        }
    }

    fn extend(&mut self, vs: &[f64], log: bool) {
        for &v in vs {
            self.push(v, log);
        }
    }
}

pub(super) fn resolve_scale(
    ctx: &str,
    axis: &'static str,
    explicit: Option<(f64, f64)>,
    log: bool,
    heat_extent: Option<(f64, f64)>,
    b: &Bounds,
) -> Result<Scale, PlotError> {
    if let Some(r) = explicit {
        check_range(&format!("{ctx}, {axis} range"), r, log)?;
        return Ok(Scale {
            lo: r.0,
            hi: r.1,
            log,
        });
    }
    if let Some((lo, hi)) = heat_extent {
        return Ok(Scale { lo, hi, log });
    }
    if !b.any {
        return Err(PlotError::NoData {
            context: ctx.to_string(),
            axis,
        });
    }
    let (mut lo, mut hi) = (b.lo, b.hi);
    if log {
        let (mut a, mut z) = (lo.log10(), hi.log10());
        if a == z {
            (a, z) = (a - 0.5, z + 0.5);
        } else {
            let m = 0.05 * (z - a);
            (a, z) = (a - m, z + m);
        }
        return Ok(Scale {
            lo: 10f64.powf(a),
            hi: 10f64.powf(z),
            log,
        });
    }
    if lo == hi {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        return Ok(Scale {
            lo: lo - d,
            hi: hi + d,
            log,
        });
    }
    let m = 0.05 * (hi - lo);
    let (l0, h0) = (lo, hi);
    lo -= m;
    hi += m;
    if b.sticky_zero && l0 == 0.0 {
        lo = 0.0;
    }
    if b.sticky_zero && h0 == 0.0 {
        hi = 0.0;
    }
    Ok(Scale { lo, hi, log })
}

pub(super) fn prepare(i: usize, p: &Panel) -> Result<Prepared<'_>, PlotError> {
    let ctx = panel_context(i, p);
    let mut bx = Bounds::default();
    let mut by = Bounds::default();
    let (lx, ly) = (p.log_x, p.log_y);
    for (k, s) in p.series.iter().enumerate() {
        match s {
            Series::Line { x, y, style, label } => {
                let c = series_context(&ctx, k, label);
                check_len(&c, "y", x.len(), y.len())?;
                check_alpha(&c, style.alpha)?;
                bx.extend(x, lx);
                by.extend(y, ly);
            }
            Series::Scatter {
                x, y, style, label, ..
            } => {
                let c = series_context(&ctx, k, label);
                check_len(&c, "y", x.len(), y.len())?;
                check_alpha(&c, style.alpha)?;
                bx.extend(x, lx);
                by.extend(y, ly);
            }
            Series::Bars {
                x,
                y,
                width,
                style,
                label,
            } => {
                let c = series_context(&ctx, k, label);
                check_len(&c, "y", x.len(), y.len())?;
                check_alpha(&c, style.alpha)?;
                if !(width.is_finite() && *width > 0.0) {
                    return Err(PlotError::Invalid {
                        context: c,
                        message: format!("bar width must be positive, got {width}"),
                    });
                }
                for &v in x {
                    bx.push(v - width / 2.0, lx);
                    bx.push(v + width / 2.0, lx);
                }
                by.extend(y, ly);
                if !ly && !y.is_empty() {
                    by.push(0.0, false);
                    by.sticky_zero = true;
                }
            }
            Series::Step {
                edges,
                y,
                style,
                label,
            } => {
                let c = series_context(&ctx, k, label);
                if !y.is_empty() {
                    check_len(&c, "edges", y.len() + 1, edges.len())?;
                }
                check_alpha(&c, style.alpha)?;
                bx.extend(edges, lx);
                by.extend(y, ly);
                if !ly && !y.is_empty() {
                    by.push(0.0, false);
                    by.sticky_zero = true;
                }
            }
        }
    }
    for (k, b) in p.bands.iter().enumerate() {
        let c = match &b.label {
            Some(l) => format!("{ctx}, band {k} (\"{l}\")"),
            None => format!("{ctx}, band {k}"),
        };
        check_len(&c, "lower", b.x.len(), b.lower.len())?;
        check_len(&c, "upper", b.x.len(), b.upper.len())?;
        check_alpha(&c, b.alpha)?;
        bx.extend(&b.x, lx);
        by.extend(&b.lower, ly);
        by.extend(&b.upper, ly);
    }
    for a in &p.arrows {
        if a.dx.is_finite() && a.dy.is_finite() {
            bx.push(a.x, lx);
            by.push(a.y, ly);
        }
    }
    match p.arrow_style.scale {
        ArrowScale::Auto(v) | ArrowScale::Fixed(v) if !(v.is_finite() && v > 0.0) => {
            return Err(PlotError::Invalid {
                context: format!("{ctx}, arrow_style"),
                message: format!("arrow scale must be positive, got {v}"),
            });
        }
        _ => {}
    }
    for (name, lines, b, log) in [
        ("hlines", &p.hlines, &mut by, ly),
        ("vlines", &p.vlines, &mut bx, lx),
    ] {
        for (k, l) in lines.iter().enumerate() {
            let c = format!("{ctx}, {name}[{k}]");
            if !l.at.is_finite() || (log && l.at <= 0.0) {
                return Err(PlotError::Invalid {
                    context: c,
                    message: format!("reference line position {} is not drawable", l.at),
                });
            }
            check_alpha(&c, l.style.alpha)?;
            b.push(l.at, log);
        }
    }
    for (name, t) in [("x", &p.x_ticks), ("y", &p.y_ticks)] {
        if let Some(t) = t
            && t.iter().any(|(v, _)| !v.is_finite())
        {
            return Err(PlotError::Invalid {
                context: format!("{ctx}, {name}_ticks"),
                message: "tick positions must be finite".into(),
            });
        }
    }
    if let Some(s) = &p.secondary_x
        && !(s.scale.is_finite() && s.scale != 0.0)
    {
        return Err(PlotError::Invalid {
            context: format!("{ctx}, secondary_x"),
            message: format!("scale must be finite and non-zero, got {}", s.scale),
        });
    }
    let mut heat = None;
    let (mut hx, mut hy) = (None, None);
    if let Some(h) = &p.heatmap {
        heat = Some(validate_heatmap(&ctx, h, lx, ly)?);
        if h.smooth {
            hx = Some((h.x[0], h.x[h.x.len() - 1]));
            hy = Some((h.y[0], h.y[h.y.len() - 1]));
        } else {
            let ex = cell_edges(&h.x, lx);
            let ey = cell_edges(&h.y, ly);
            hx = Some((ex[0], ex[ex.len() - 1]));
            hy = Some((ey[0], ey[ey.len() - 1]));
        }
    }
    let xs = resolve_scale(&ctx, "x", p.x_range, lx, hx, &bx)?;
    let ys = resolve_scale(&ctx, "y", p.y_range, ly, hy, &by)?;
    Ok(Prepared {
        panel: p,
        xs,
        ys,
        heat,
        tag: p.tag.clone(),
    })
}

pub(super) fn validate_figure(fig: &Figure) -> Result<(), PlotError> {
    let invalid = |message: String| PlotError::Invalid {
        context: "figure".into(),
        message,
    };
    if fig.rows == 0 || fig.cols == 0 {
        return Err(invalid(format!(
            "needs at least one row and column, got {}x{}",
            fig.rows, fig.cols
        )));
    }
    if fig.panels.len() > fig.rows * fig.cols {
        return Err(invalid(format!(
            "{} panels do not fit a {}x{} grid",
            fig.panels.len(),
            fig.rows,
            fig.cols
        )));
    }
    if fig.panel_width < 50 || fig.panel_height < 50 {
        return Err(invalid(format!(
            "panels must be at least 50x50 pixels, got {}x{}",
            fig.panel_width, fig.panel_height
        )));
    }
    if !(fig.dpi_scale.is_finite() && fig.dpi_scale > 0.0 && fig.dpi_scale <= 10.0) {
        return Err(invalid(format!(
            "dpi_scale must be in (0, 10], got {}",
            fig.dpi_scale
        )));
    }
    let (w, h) = (
        fig.cols as f64 * f64::from(fig.panel_width),
        fig.rows as f64 * f64::from(fig.panel_height),
    );
    if w * fig.dpi_scale > 30000.0 || h * fig.dpi_scale > 30000.0 {
        return Err(invalid(format!(
            "the PNG would be {:.0}x{:.0} pixels, more than 30000 on a side",
            w * fig.dpi_scale,
            h * fig.dpi_scale
        )));
    }
    if !(fig.font_scale.is_finite() && fig.font_scale > 0.0 && fig.font_scale <= 10.0) {
        return Err(invalid(format!(
            "font_scale must be in (0, 10], got {}",
            fig.font_scale
        )));
    }
    Ok(())
}

/// Validates `fig` and resolves every panel's scales and letter.
pub(super) fn prepare_all(fig: &Figure) -> Result<Vec<Prepared<'_>>, PlotError> {
    validate_figure(fig)?;
    let mut prepared = fig
        .panels
        .iter()
        .enumerate()
        .map(|(i, p)| prepare(i, p))
        .collect::<Result<Vec<_>, _>>()?;
    for (p, tag) in prepared.iter_mut().zip(panel_tags(fig)) {
        p.tag = tag;
    }
    ensure_fonts();
    Ok(prepared)
}
