//! Drawing of panels onto a [`Canvas`].

use plotters::prelude::*;

use super::canvas::{ASCENT, Align, Canvas, DrawResult, Flavor, LINE, TextOpts, text_width};
use super::color::Rgb;
use super::layout::{
    Fonts, GRID, LABEL_PAD, MINOR_TICK_LEN, OUTER_PAD, PanelLayout, Rect, SPINE, SPINE_W, TICK_LEN,
    TICK_PAD, colorbar_width, max_label_width, snap,
};
use super::model::{
    ArrowPivot, ArrowScale, Band, Figure, Heatmap, LegendPos, Panel, Series, Style,
};
use super::prepare::{HeatPrep, Prepared, cell_edges};
use super::ticks::{Scale, TickSet};

// ---------------------------------------------------------------------------
// Geometry helpers

/// Maps data coordinates of a panel to logical screen coordinates.
pub(super) struct Mapper {
    pub(super) xs: Scale,
    pub(super) ys: Scale,
    pub(super) r: Rect,
}

impl Mapper {
    fn x(&self, v: f64) -> f64 {
        self.r.x0 + self.xs.norm(v) * self.r.w()
    }
    fn y(&self, v: f64) -> f64 {
        self.r.y1 - self.ys.norm(v) * self.r.h()
    }
    /// Screen point, or `None` when the point cannot be drawn on the scales.
    fn pt(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        (self.xs.valid(x) && self.ys.valid(y)).then(|| (self.x(x), self.y(y)))
    }
}

/// Liang–Barsky clipping of segment `a`–`b` to `r`.
pub(super) fn clip_segment(
    a: (f64, f64),
    b: (f64, f64),
    r: &Rect,
) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - r.x0),
        (dx, r.x1 - a.0),
        (-dy, a.1 - r.y0),
        (dy, r.y1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    (t0 <= t1).then_some((
        (a.0 + t0 * dx, a.1 + t0 * dy),
        (a.0 + t1 * dx, a.1 + t1 * dy),
    ))
}

/// Splits a polyline with breaks (`None`) into visible, clipped pieces.
pub(super) fn clip_polyline(pts: &[Option<(f64, f64)>], r: &Rect) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    for w in pts.windows(2) {
        let (Some(a), Some(b)) = (w[0], w[1]) else {
            if cur.len() >= 2 {
                out.push(std::mem::take(&mut cur));
            }
            cur.clear();
            continue;
        };
        match clip_segment(a, b, r) {
            Some((p, q)) => {
                if cur.last() != Some(&p) {
                    if cur.len() >= 2 {
                        out.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                    cur.push(p);
                }
                cur.push(q);
            }
            None => {
                if cur.len() >= 2 {
                    out.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
        }
    }
    if cur.len() >= 2 {
        out.push(cur);
    }
    out
}

/// Sutherland–Hodgman clipping of a polygon to `r`.
pub(super) fn clip_polygon(poly: &[(f64, f64)], r: &Rect) -> Vec<(f64, f64)> {
    type Inside = Box<dyn Fn((f64, f64)) -> bool>;
    type Cut = Box<dyn Fn((f64, f64), (f64, f64)) -> (f64, f64)>;
    let lerp_x = |x: f64| {
        move |a: (f64, f64), b: (f64, f64)| {
            let t = (x - a.0) / (b.0 - a.0);
            (x, a.1 + t * (b.1 - a.1))
        }
    };
    let lerp_y = |y: f64| {
        move |a: (f64, f64), b: (f64, f64)| {
            let t = (y - a.1) / (b.1 - a.1);
            (a.0 + t * (b.0 - a.0), y)
        }
    };
    let (x0, x1, y0, y1) = (r.x0, r.x1, r.y0, r.y1);
    let edges: [(Inside, Cut); 4] = [
        (Box::new(move |p| p.0 >= x0), Box::new(lerp_x(x0))),
        (Box::new(move |p| p.0 <= x1), Box::new(lerp_x(x1))),
        (Box::new(move |p| p.1 >= y0), Box::new(lerp_y(y0))),
        (Box::new(move |p| p.1 <= y1), Box::new(lerp_y(y1))),
    ];
    let mut pts = poly.to_vec();
    for (inside, cut) in &edges {
        if pts.is_empty() {
            break;
        }
        let input = std::mem::take(&mut pts);
        let mut prev = input[input.len() - 1];
        for &p in &input {
            match (inside(p), inside(prev)) {
                (true, true) => pts.push(p),
                (true, false) => {
                    pts.push(cut(prev, p));
                    pts.push(p);
                }
                (false, true) => pts.push(cut(prev, p)),
                (false, false) => {}
            }
            prev = p;
        }
    }
    pts
}

/// Reduces a long polyline whose x never decreases to the first, lowest,
/// highest and last point of each screen column of width `column`; the drawn
/// result is indistinguishable, the SVG much smaller.
pub(super) fn decimate(piece: Vec<(f64, f64)>, column: f64) -> Vec<(f64, f64)> {
    if piece.len() < 2000 || piece.windows(2).any(|w| w[1].0 < w[0].0) {
        return piece;
    }
    let mut out = Vec::with_capacity(piece.len().min(4096));
    let mut i = 0;
    while i < piece.len() {
        let col = (piece[i].0 / column).floor();
        let mut j = i;
        let (mut lo, mut hi) = (i, i);
        while j < piece.len() && (piece[j].0 / column).floor() == col {
            if piece[j].1 < piece[lo].1 {
                lo = j;
            }
            if piece[j].1 > piece[hi].1 {
                hi = j;
            }
            j += 1;
        }
        let mut keep = [i, lo.min(hi), lo.max(hi), j - 1];
        keep.sort_unstable();
        for (n, &k) in keep.iter().enumerate() {
            if n == 0 || k != keep[n - 1] {
                out.push(piece[k]);
            }
        }
        i = j;
    }
    out
}

pub(super) fn draw_styled_line<DB: DrawingBackend>(
    cv: &Canvas<'_, DB>,
    pts: &[(f64, f64)],
    style: &Style,
) -> DrawResult {
    let w = f64::from(style.width.max(1));
    if style.dashed {
        let dash = 3.2 * w + 2.0;
        let gap = 1.8 * w + 1.5;
        cv.dashed_polyline(pts, style.color, style.alpha, w, dash, gap)
    } else {
        cv.polyline(pts, style.color, style.alpha, w)
    }
}

// ---------------------------------------------------------------------------
// Drawing

pub(super) fn draw_figure<DB: DrawingBackend>(
    cv: &Canvas<'_, DB>,
    fig: &Figure,
    prepared: &[Prepared<'_>],
    layouts: &[PanelLayout],
    f: &Fonts,
) -> DrawResult {
    cv.clear(Rgb::WHITE)?;
    for (p, l) in prepared.iter().zip(layouts) {
        draw_panel(cv, p, l, f)?;
    }
    if let Some(t) = &fig.title {
        let (w, _) = fig.logical_size();
        cv.text(
            t,
            f64::from(w) / 2.0,
            OUTER_PAD + ASCENT * f.suptitle,
            TextOpts::new(f.suptitle).align(Align::Center),
        )?;
    }
    Ok(())
}

pub(super) fn draw_panel<DB: DrawingBackend>(
    cv: &Canvas<'_, DB>,
    p: &Prepared<'_>,
    l: &PanelLayout,
    f: &Fonts,
) -> DrawResult {
    let panel = p.panel;
    let r = l.plot;
    let m = Mapper {
        xs: p.xs,
        ys: p.ys,
        r,
    };
    if let (Some(h), Some(hp)) = (&panel.heatmap, &p.heat) {
        draw_heatmap(cv, h, hp, &m)?;
    }
    if panel.grid {
        for t in l.ticks.x.majors() {
            let x = snap(m.x(t.at), cv.snap_dpi);
            if x > r.x0 + 0.5 && x < r.x1 - 0.5 {
                cv.polyline(&[(x, r.y0), (x, r.y1)], GRID, 1.0, 1.0)?;
            }
        }
        for t in l.ticks.y.majors() {
            let y = snap(m.y(t.at), cv.snap_dpi);
            if y > r.y0 + 0.5 && y < r.y1 - 0.5 {
                cv.polyline(&[(r.x0, y), (r.x1, y)], GRID, 1.0, 1.0)?;
            }
        }
    }
    for b in &panel.bands {
        draw_band(cv, b, &m)?;
    }
    draw_arrows(cv, panel, &m)?;
    for h in &panel.hlines {
        if p.ys.valid(h.at) {
            let y = m.y(h.at);
            if y >= r.y0 && y <= r.y1 {
                draw_styled_line(cv, &[(r.x0, y), (r.x1, y)], &h.style)?;
            }
        }
    }
    for v in &panel.vlines {
        if p.xs.valid(v.at) {
            let x = m.x(v.at);
            if x >= r.x0 && x <= r.x1 {
                draw_styled_line(cv, &[(x, r.y1), (x, r.y0)], &v.style)?;
            }
        }
    }
    for s in &panel.series {
        draw_series(cv, s, &m)?;
    }
    draw_axes(cv, p, l, f, &m)?;
    if let (Some(h), Some(hp), Some(ct)) = (&panel.heatmap, &p.heat, &l.ticks.cbar) {
        draw_colorbar(cv, h, hp, ct, l, f)?;
    }
    if let Some(pos) = panel.legend {
        draw_legend(cv, p, pos, &m, f)?;
    }
    Ok(())
}

pub(super) fn draw_series<DB: DrawingBackend>(
    cv: &Canvas<'_, DB>,
    s: &Series,
    m: &Mapper,
) -> DrawResult {
    let r = m.r;
    match s {
        Series::Line { x, y, style, .. } => {
            let pts: Vec<_> = x.iter().zip(y).map(|(&x, &y)| m.pt(x, y)).collect();
            let column = 0.5 / cv.snap_dpi;
            for piece in clip_polyline(&pts, &r) {
                draw_styled_line(cv, &decimate(piece, column), style)?;
            }
        }
        Series::Scatter {
            x, y, style, size, ..
        } => {
            let rad = f64::from((*size).max(1)) / 2.0;
            for (&x, &y) in x.iter().zip(y) {
                if let Some(pt) = m.pt(x, y)
                    && r.contains(pt)
                {
                    cv.disc(pt, rad, style.color, style.alpha)?;
                }
            }
        }
        Series::Bars {
            x, y, width, style, ..
        } => {
            let base = if m.ys.log { m.ys.lo } else { 0.0 };
            for (&xc, &yv) in x.iter().zip(y) {
                let (Some(a), Some(b)) = (m.pt(xc - width / 2.0, base), m.pt(xc + width / 2.0, yv))
                else {
                    continue;
                };
                let rect = Rect {
                    x0: a.0.min(b.0).max(r.x0),
                    x1: a.0.max(b.0).min(r.x1),
                    y0: a.1.min(b.1).max(r.y0),
                    y1: a.1.max(b.1).min(r.y1),
                };
                if rect.w() <= 0.0 || rect.h() <= 0.0 {
                    continue;
                }
                cv.fill_rect(
                    (rect.x0, rect.y0),
                    (rect.x1, rect.y1),
                    style.color,
                    style.alpha,
                )?;
                if style.width > 0 {
                    let outline = [
                        (rect.x0, rect.y1),
                        (rect.x0, rect.y0),
                        (rect.x1, rect.y0),
                        (rect.x1, rect.y1),
                    ];
                    cv.polyline(&outline, style.color, 1.0, f64::from(style.width))?;
                }
            }
        }
        Series::Step {
            edges, y, style, ..
        } => {
            let mut pts = Vec::with_capacity(2 * y.len() + 2);
            let close = !m.ys.log && !y.is_empty();
            if close {
                pts.push(m.pt(edges[0], 0.0));
            }
            for (i, &v) in y.iter().enumerate() {
                let (a, b) = (m.pt(edges[i], v), m.pt(edges[i + 1], v));
                if a.is_none() || b.is_none() {
                    pts.push(None);
                    continue;
                }
                pts.push(a);
                pts.push(b);
            }
            if close {
                pts.push(m.pt(edges[y.len()], 0.0));
            }
            for piece in clip_polyline(&pts, &r) {
                draw_styled_line(cv, &piece, style)?;
            }
        }
    }
    Ok(())
}

/// Lower and upper screen point of a band at one abscissa.
pub(super) type BandPair = ((f64, f64), (f64, f64));

pub(super) fn draw_band<DB: DrawingBackend>(
    cv: &Canvas<'_, DB>,
    b: &Band,
    m: &Mapper,
) -> DrawResult {
    let mut run: Vec<BandPair> = Vec::new();
    let flush = |run: &mut Vec<BandPair>| -> DrawResult {
        if run.len() >= 2 {
            let mut poly: Vec<(f64, f64)> = run.iter().map(|p| p.1).collect();
            poly.extend(run.iter().rev().map(|p| p.0));
            let clipped = clip_polygon(&poly, &m.r);
            cv.polygon(&clipped, b.color, b.alpha)?;
        }
        run.clear();
        Ok(())
    };
    for i in 0..b.x.len() {
        match (m.pt(b.x[i], b.lower[i]), m.pt(b.x[i], b.upper[i])) {
            (Some(lo), Some(hi)) => run.push((lo, hi)),
            _ => flush(&mut run)?,
        }
    }
    flush(&mut run)
}

pub(super) fn draw_heatmap<DB: DrawingBackend>(
    cv: &Canvas<'_, DB>,
    h: &Heatmap,
    hp: &HeatPrep,
    m: &Mapper,
) -> DrawResult {
    let nx = h.x.len();
    let levels = hp.colors.len();
    let level = |v: f64| -> Option<usize> {
        if !v.is_finite() {
            return None;
        }
        let t = (v - hp.lo) / (hp.hi - hp.lo);
        Some(((t * levels as f64).floor().max(0.0) as usize).min(levels - 1))
    };
    let r = m.r;
    let (px0, px1) = (cv.to_dev(r.x0), cv.to_dev(r.x1));
    let (py0, py1) = (cv.to_dev(r.y0), cv.to_dev(r.y1));
    let clamp_x = |v: i32| v.clamp(px0, px1);
    let clamp_y = |v: i32| v.clamp(py0, py1);
    // SVG renderers antialias shared edges of abutting rectangles into faint
    // seams; let every rectangle reach one logical pixel under the
    // neighbours drawn after it (clamped to the plot area).
    let ov = match cv.flavor {
        Flavor::Bitmap => 0,
        Flavor::Svg => cv.scale.round() as i32,
    };
    if !h.smooth {
        let ex: Vec<i32> = cell_edges(&h.x, m.xs.log)
            .iter()
            .map(|&e| clamp_x(cv.to_dev(m.x(e))))
            .collect();
        let ey: Vec<i32> = cell_edges(&h.y, m.ys.log)
            .iter()
            .map(|&e| clamp_y(cv.to_dev(m.y(e))))
            .collect();
        for iy in 0..h.y.len() {
            let (ya, yb) = (ey[iy + 1].min(ey[iy]), ey[iy + 1].max(ey[iy]));
            if yb <= ya {
                continue;
            }
            let row = &h.values[iy * nx..(iy + 1) * nx];
            let mut ix = 0;
            while ix < nx {
                let lv = level(row[ix]);
                let mut jx = ix + 1;
                while jx < nx && level(row[jx]) == lv {
                    jx += 1;
                }
                if let Some(k) = lv {
                    let x1 = (ex[jx] + ov).min(px1);
                    let y0 = (ya - ov).max(py0);
                    cv.fill_rect_dev(ex[ix], y0, x1, yb, hp.colors[k], 1.0)?;
                }
                ix = jx;
            }
        }
        return Ok(());
    }
    // Smooth: bilinear interpolation sampled once per output pixel.
    let step = match cv.flavor {
        Flavor::Bitmap => 1,
        Flavor::Svg => cv.scale.round().max(1.0) as i32,
    };
    let locate = |grid: &[f64], v: f64| -> Option<(usize, f64)> {
        if !(v >= grid[0] && v <= grid[grid.len() - 1]) {
            return None;
        }
        let i = grid.partition_point(|&g| g <= v).clamp(1, grid.len() - 1) - 1;
        Some((i, (v - grid[i]) / (grid[i + 1] - grid[i])))
    };
    let cols: Vec<(i32, Option<(usize, f64)>)> = (px0..px1)
        .step_by(step as usize)
        .map(|dx| {
            let lx = (f64::from(dx) + f64::from(step) / 2.0) / cv.scale;
            let v = m.xs.denorm((lx - r.x0) / r.w());
            (dx, locate(&h.x, v))
        })
        .collect();
    let mut dy = py0;
    while dy < py1 {
        let ly = (f64::from(dy) + f64::from(step) / 2.0) / cv.scale;
        let v = m.ys.denorm((r.y1 - ly) / r.h());
        if let Some((iy, ty)) = locate(&h.y, v) {
            let row0 = &h.values[iy * nx..(iy + 1) * nx];
            let row1 = &h.values[(iy + 1) * nx..(iy + 2) * nx];
            let mut run: Option<(i32, usize)> = None;
            let y_end = (dy + step + ov).min(py1);
            for &(dx, loc) in &cols {
                let lv = loc.and_then(|(ix, tx)| {
                    let a = row0[ix] * (1.0 - tx) + row0[ix + 1] * tx;
                    let b = row1[ix] * (1.0 - tx) + row1[ix + 1] * tx;
                    level(a * (1.0 - ty) + b * ty)
                });
                match (run, lv) {
                    (Some((_, k)), Some(k2)) if k == k2 => {}
                    _ => {
                        if let Some((start, k)) = run {
                            let x1 = (dx + ov).min(px1);
                            cv.fill_rect_dev(start, dy, x1, y_end, hp.colors[k], 1.0)?;
                        }
                        run = lv.map(|k| (dx, k));
                    }
                }
            }
            if let Some((start, k)) = run {
                cv.fill_rect_dev(start, dy, px1, y_end, hp.colors[k], 1.0)?;
            }
        }
        dy += step;
    }
    Ok(())
}

pub(super) fn draw_arrows<DB: DrawingBackend>(
    cv: &Canvas<'_, DB>,
    panel: &Panel,
    m: &Mapper,
) -> DrawResult {
    let st = &panel.arrow_style;
    // Screen anchor and screen-space vector per unit of data vector.
    let arrows: Vec<((f64, f64), (f64, f64))> = panel
        .arrows
        .iter()
        .filter(|a| a.dx.is_finite() && a.dy.is_finite())
        .filter_map(|a| {
            let p = m.pt(a.x, a.y)?;
            let vx = a.dx * m.xs.deriv(a.x) * m.r.w();
            let vy = -a.dy * m.ys.deriv(a.y) * m.r.h();
            Some((p, (vx, vy)))
        })
        .filter(|(p, _)| m.r.contains(*p))
        .collect();
    if arrows.is_empty() {
        return Ok(());
    }
    let factor = match st.scale {
        ArrowScale::Fixed(k) => k,
        ArrowScale::Auto(frac) => {
            let spacing = |vals: Vec<f64>| -> Option<f64> {
                let mut v: Vec<f64> = vals.iter().map(|x| (x * 2.0).round() / 2.0).collect();
                v.sort_by(f64::total_cmp);
                v.dedup();
                v.windows(2)
                    .map(|w| w[1] - w[0])
                    .filter(|d| *d > 0.0)
                    .min_by(f64::total_cmp)
            };
            let sx = spacing(arrows.iter().map(|a| a.0.0).collect());
            let sy = spacing(arrows.iter().map(|a| a.0.1).collect());
            let grid = match (sx, sy) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) | (None, Some(a)) => a,
                (None, None) => 0.1 * m.r.w().min(m.r.h()),
            };
            let longest = arrows
                .iter()
                .map(|a| a.1.0.hypot(a.1.1))
                .fold(0.0, f64::max);
            if longest > 0.0 {
                frac * grid / longest
            } else {
                0.0
            }
        }
    };
    let w = st.width;
    for (p, v) in arrows {
        let (vx, vy) = (v.0 * factor, v.1 * factor);
        let len = vx.hypot(vy);
        if len < 0.75 {
            continue;
        }
        let (ux, uy) = (vx / len, vy / len);
        let tail = match st.pivot {
            ArrowPivot::Tail => p,
            ArrowPivot::Middle => (p.0 - vx / 2.0, p.1 - vy / 2.0),
        };
        let tip = (tail.0 + vx, tail.1 + vy);
        let head_len = (len * 0.4).min(3.5 * w + 3.0);
        let head_half = head_len * 0.42;
        let base = (tip.0 - ux * head_len, tip.1 - uy * head_len);
        let shaft_end = (tip.0 - ux * head_len * 0.8, tip.1 - uy * head_len * 0.8);
        // Arrows are clipped to the plot area like every other element.
        if len > head_len * 1.05
            && let Some((a, b)) = clip_segment(tail, shaft_end, &m.r)
        {
            cv.polyline(&[a, b], st.color, 1.0, w)?;
        }
        let head = [
            tip,
            (base.0 - uy * head_half, base.1 + ux * head_half),
            (base.0 + uy * head_half, base.1 - ux * head_half),
        ];
        if head.iter().all(|p| m.r.contains(*p)) {
            cv.polygon(&head, st.color, 1.0)?;
        } else {
            cv.polygon(&clip_polygon(&head, &m.r), st.color, 1.0)?;
        }
    }
    Ok(())
}

/// Skips horizontal tick labels that would collide with the previous one
/// (explicit ticks, or very long labels).
pub(super) struct LabelRow {
    pub(super) em: f64,
    pub(super) last_right: f64,
}

impl LabelRow {
    fn new(em: f64) -> Self {
        LabelRow {
            em,
            last_right: f64::NEG_INFINITY,
        }
    }

    /// Whether a label centred at `x` fits; records it if so.
    fn admit(&mut self, x: f64, label: &str) -> bool {
        let half = text_width(label, self.em, false) / 2.0;
        if x - half < self.last_right + 0.4 * self.em {
            return false;
        }
        self.last_right = x + half;
        true
    }
}

pub(super) fn draw_axes<DB: DrawingBackend>(
    cv: &Canvas<'_, DB>,
    p: &Prepared<'_>,
    l: &PanelLayout,
    f: &Fonts,
    m: &Mapper,
) -> DrawResult {
    let panel = p.panel;
    let r = l.plot;
    let dpi = cv.snap_dpi;
    let tick_opts = TextOpts::new(f.tick);
    // Frame.
    let half = SPINE_W / 2.0;
    cv.polyline(
        &[(r.x0 - half, r.y1), (r.x1 + half, r.y1)],
        SPINE,
        1.0,
        SPINE_W,
    )?;
    cv.polyline(
        &[(r.x0 - half, r.y0), (r.x1 + half, r.y0)],
        SPINE,
        1.0,
        SPINE_W,
    )?;
    cv.polyline(&[(r.x0, r.y0), (r.x0, r.y1)], SPINE, 1.0, SPINE_W)?;
    cv.polyline(&[(r.x1, r.y0), (r.x1, r.y1)], SPINE, 1.0, SPINE_W)?;

    // Bottom axis.
    let mut bottom_labels = LabelRow::new(f.tick);
    let label_base = r.y1 + TICK_LEN + TICK_PAD + ASCENT * f.tick;
    for t in &l.ticks.x.ticks {
        let x = m.x(t.at);
        if !(r.x0 - 0.5..=r.x1 + 0.5).contains(&x) {
            continue;
        }
        let xs = snap(x, dpi);
        let len = if t.major { TICK_LEN } else { MINOR_TICK_LEN };
        cv.polyline(&[(xs, r.y1), (xs, r.y1 + len)], SPINE, 1.0, SPINE_W)?;
        if t.major && bottom_labels.admit(x, &t.label) {
            cv.text(&t.label, x, label_base, tick_opts.align(Align::Center))?;
        }
    }
    let xlab_base = r.y1 + TICK_LEN + TICK_PAD + f.tick * LINE + LABEL_PAD + ASCENT * f.label;
    if !panel.x_label.is_empty() {
        cv.text(
            &panel.x_label,
            (r.x0 + r.x1) / 2.0,
            xlab_base,
            TextOpts::new(f.label).align(Align::Center),
        )?;
    }
    if let Some(mult) = &l.ticks.x.multiplier {
        cv.text(mult, r.x1, xlab_base, tick_opts.align(Align::Right))?;
    }

    // Left axis.
    let ylabel_right = r.x0 - TICK_LEN - TICK_PAD;
    for t in &l.ticks.y.ticks {
        let y = m.y(t.at);
        if !(r.y0 - 0.5..=r.y1 + 0.5).contains(&y) {
            continue;
        }
        let ys = snap(y, dpi);
        let len = if t.major { TICK_LEN } else { MINOR_TICK_LEN };
        cv.polyline(&[(r.x0, ys), (r.x0 - len, ys)], SPINE, 1.0, SPINE_W)?;
        if t.major {
            // Centre the digits (cap height 0.73 em) on the tick.
            cv.text(
                &t.label,
                ylabel_right,
                y + 0.36 * f.tick,
                tick_opts.align(Align::Right),
            )?;
        }
    }
    if !panel.y_label.is_empty() {
        let right = r.x0 - TICK_LEN - TICK_PAD - l.col_ytick_w - LABEL_PAD;
        cv.text(
            &panel.y_label,
            (r.y0 + r.y1) / 2.0,
            right - (LINE - ASCENT) * f.label,
            TextOpts::new(f.label).align(Align::Center).vertical(),
        )?;
    }
    let mut above = r.y0;

    // Secondary (top) axis.
    if let (Some(tt), Some(sec)) = (&l.ticks.top, &panel.secondary_x) {
        let base = r.y0 - TICK_LEN - TICK_PAD - (LINE - ASCENT) * f.tick;
        let mut top_labels = LabelRow::new(f.tick);
        for t in &tt.ticks {
            let x = m.x(t.at);
            if !(r.x0 - 0.5..=r.x1 + 0.5).contains(&x) {
                continue;
            }
            let xs = snap(x, dpi);
            let len = if t.major { TICK_LEN } else { MINOR_TICK_LEN };
            cv.polyline(&[(xs, r.y0), (xs, r.y0 - len)], SPINE, 1.0, SPINE_W)?;
            if t.major && top_labels.admit(x, &t.label) {
                cv.text(&t.label, x, base, tick_opts.align(Align::Center))?;
            }
        }
        above = r.y0 - TICK_LEN - TICK_PAD - f.tick * LINE;
        if !sec.label.is_empty() {
            let base = above - LABEL_PAD - (LINE - ASCENT) * f.label;
            cv.text(
                &sec.label,
                (r.x0 + r.x1) / 2.0,
                base,
                TextOpts::new(f.label).align(Align::Center),
            )?;
            above -= LABEL_PAD + f.label * LINE;
        }
    }
    // Common multiplier of the y tick labels, above the top-left corner.
    let cbar_mult = l
        .ticks
        .cbar
        .as_ref()
        .is_some_and(|c| c.multiplier.is_some());
    if let Some(mult) = &l.ticks.y.multiplier {
        cv.text(mult, r.x0, above - 4.0, tick_opts.align(Align::Left))?;
    }
    if l.ticks.y.multiplier.is_some() || cbar_mult {
        above -= f.tick * LINE + 4.0;
    }

    // The tag shares the title's baseline, or sits at the top of the cell.
    let mut tag_base = l.cell.y0 + OUTER_PAD + ASCENT * f.tag;
    if let Some(t) = &panel.title {
        let base = above - 0.5 * f.title - (LINE - ASCENT) * f.title;
        cv.text(
            t,
            (r.x0 + r.x1) / 2.0,
            base,
            TextOpts::new(f.title).align(Align::Center),
        )?;
        tag_base = tag_base.max(base);
    }
    if let Some(tag) = &panel.tag {
        cv.text(
            tag,
            l.cell.x0 + OUTER_PAD,
            tag_base,
            TextOpts::new(f.tag).bold(),
        )?;
    }
    Ok(())
}

pub(super) fn draw_colorbar<DB: DrawingBackend>(
    cv: &Canvas<'_, DB>,
    h: &Heatmap,
    hp: &HeatPrep,
    ticks: &TickSet,
    l: &PanelLayout,
    f: &Fonts,
) -> DrawResult {
    let r = l.plot;
    let dpi = cv.snap_dpi;
    let x0 = snap(r.x1 + 0.8 * f.tick, dpi);
    let x1 = snap(x0 + colorbar_width(l.cell.w()), dpi);
    let n = hp.colors.len();
    let (ya, yb) = (r.y0, r.y1);
    let (dx0, dx1) = (cv.to_dev(x0), cv.to_dev(x1));
    let (dya, dyb) = (cv.to_dev(ya), cv.to_dev(yb));
    for (k, c) in hp.colors.iter().enumerate() {
        // Level k spans [k/n, (k+1)/n] from the bottom.
        let top = dyb - ((f64::from(dyb - dya) * (k + 1) as f64) / n as f64).round() as i32;
        let bot = dyb - ((f64::from(dyb - dya) * k as f64) / n as f64).round() as i32;
        // Overlap the next (higher) block in SVG to avoid antialiasing seams.
        let top = match cv.flavor {
            Flavor::Bitmap => top,
            Flavor::Svg => (top - cv.scale.round() as i32).max(dya),
        };
        cv.fill_rect_dev(dx0, top, dx1, bot, *c, 1.0)?;
    }
    cv.stroke_rect((x0, ya), (x1, yb), SPINE, 1.0, SPINE_W)?;
    let scale = Scale {
        lo: hp.lo,
        hi: hp.hi,
        log: false,
    };
    let label_x = x1 + TICK_LEN + TICK_PAD;
    for t in ticks.majors() {
        let y = yb - scale.norm(t.at) * (yb - ya);
        if !(ya - 0.5..=yb + 0.5).contains(&y) {
            continue;
        }
        let ys = snap(y, dpi);
        cv.polyline(&[(x1, ys), (x1 + TICK_LEN, ys)], SPINE, 1.0, SPINE_W)?;
        cv.text(&t.label, label_x, y + 0.36 * f.tick, TextOpts::new(f.tick))?;
    }
    if let Some(mult) = &ticks.multiplier {
        cv.text(mult, x0, ya - 4.0, TextOpts::new(f.tick))?;
    }
    if let Some(label) = h.colorbar_label.as_deref().filter(|s| !s.is_empty()) {
        let wc = max_label_width(ticks, f.tick);
        let left = label_x + wc + LABEL_PAD;
        cv.text(
            label,
            (ya + yb) / 2.0,
            left + ASCENT * f.label,
            TextOpts::new(f.label).align(Align::Center).vertical(),
        )?;
    }
    Ok(())
}

/// What a legend entry's sample looks like.
pub(super) enum Sample {
    Line(Style),
    Marker(Style, u32),
    Patch(Rgb, f64, Option<Style>),
}

pub(super) fn legend_entries(panel: &Panel) -> Vec<(Sample, &str)> {
    let mut out = Vec::new();
    for s in &panel.series {
        match s {
            Series::Line { style, label, .. } | Series::Step { style, label, .. } => {
                if let Some(l) = label {
                    out.push((Sample::Line(*style), l.as_str()));
                }
            }
            Series::Scatter {
                style, size, label, ..
            } => {
                if let Some(l) = label {
                    out.push((Sample::Marker(*style, *size), l.as_str()));
                }
            }
            Series::Bars { style, label, .. } => {
                if let Some(l) = label {
                    let edge = (style.width > 0).then_some(*style);
                    out.push((Sample::Patch(style.color, style.alpha, edge), l.as_str()));
                }
            }
        }
    }
    for b in &panel.bands {
        if let Some(l) = &b.label {
            out.push((Sample::Patch(b.color, b.alpha, None), l.as_str()));
        }
    }
    for rl in panel.hlines.iter().chain(&panel.vlines) {
        if let Some(l) = &rl.label {
            out.push((Sample::Line(rl.style), l.as_str()));
        }
    }
    out
}

/// Screen points of the data, for choosing the legend position.
pub(super) fn data_points(panel: &Panel, m: &Mapper) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let add_line = |pts: &[Option<(f64, f64)>], out: &mut Vec<(f64, f64)>| {
        for w in pts.windows(2) {
            if let (Some(a), Some(b)) = (w[0], w[1]) {
                let n = ((b.0 - a.0).hypot(b.1 - a.1) / 3.0)
                    .ceil()
                    .clamp(1.0, 2000.0) as usize;
                for k in 0..n {
                    let t = k as f64 / n as f64;
                    out.push((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)));
                }
                out.push(b);
            } else if let Some(a) = w[0] {
                out.push(a);
            }
        }
    };
    for s in &panel.series {
        match s {
            Series::Line { x, y, .. } => {
                let pts: Vec<_> = x.iter().zip(y).map(|(&x, &y)| m.pt(x, y)).collect();
                add_line(&pts, &mut out);
            }
            Series::Scatter { x, y, .. } => {
                out.extend(x.iter().zip(y).filter_map(|(&x, &y)| m.pt(x, y)));
            }
            Series::Bars { x, y, .. } => {
                let base = if m.ys.log { m.ys.lo } else { 0.0 };
                for (&x, &y) in x.iter().zip(y) {
                    let pts = [m.pt(x, y), m.pt(x, base)];
                    add_line(&pts, &mut out);
                }
            }
            Series::Step { edges, y, .. } => {
                for (i, &v) in y.iter().enumerate() {
                    let pts = [m.pt(edges[i], v), m.pt(edges[i + 1], v)];
                    add_line(&pts, &mut out);
                }
            }
        }
    }
    for b in &panel.bands {
        let lo: Vec<_> =
            b.x.iter()
                .zip(&b.lower)
                .map(|(&x, &y)| m.pt(x, y))
                .collect();
        let hi: Vec<_> =
            b.x.iter()
                .zip(&b.upper)
                .map(|(&x, &y)| m.pt(x, y))
                .collect();
        add_line(&lo, &mut out);
        add_line(&hi, &mut out);
        // The band interior counts too.
        for (l, h) in lo.iter().zip(&hi) {
            if let (Some(l), Some(h)) = (l, h) {
                add_line(&[Some(*l), Some(*h)], &mut out);
            }
        }
    }
    out
}

pub(super) fn draw_legend<DB: DrawingBackend>(
    cv: &Canvas<'_, DB>,
    p: &Prepared<'_>,
    pos: LegendPos,
    m: &Mapper,
    f: &Fonts,
) -> DrawResult {
    let entries = legend_entries(p.panel);
    if entries.is_empty() {
        return Ok(());
    }
    let em = f.legend;
    let pad = 0.5 * em;
    let row_h = 1.4 * em;
    let sample_w = 2.0 * em;
    let gap = 0.6 * em;
    let text_w = entries
        .iter()
        .map(|(_, l)| text_width(l, em, false))
        .fold(0.0, f64::max);
    let w = 2.0 * pad + sample_w + gap + text_w;
    let h = 2.0 * pad + (entries.len() - 1) as f64 * row_h + LINE * em;
    let r = m.r;
    let inset = 0.6 * em;
    let at = |pos: LegendPos| -> Rect {
        let x0 = match pos {
            LegendPos::UpperLeft | LegendPos::LowerLeft => r.x0 + inset,
            _ => r.x1 - inset - w,
        };
        let y0 = match pos {
            LegendPos::UpperLeft | LegendPos::UpperRight => r.y0 + inset,
            _ => r.y1 - inset - h,
        };
        Rect {
            x0,
            y0,
            x1: x0 + w,
            y1: y0 + h,
        }
    };
    let bx = match pos {
        LegendPos::Best => {
            let pts = data_points(p.panel, m);
            let center = |top: bool| {
                let x0 = (r.x0 + r.x1 - w) / 2.0;
                let y0 = if top { r.y0 + inset } else { r.y1 - inset - h };
                Rect {
                    x0,
                    y0,
                    x1: x0 + w,
                    y1: y0 + h,
                }
            };
            let candidates = [
                at(LegendPos::UpperRight),
                at(LegendPos::UpperLeft),
                at(LegendPos::LowerLeft),
                at(LegendPos::LowerRight),
                center(true),
                center(false),
            ];
            let score = |b: &Rect| {
                let grown = Rect {
                    x0: b.x0 - 3.0,
                    y0: b.y0 - 3.0,
                    x1: b.x1 + 3.0,
                    y1: b.y1 + 3.0,
                };
                pts.iter().filter(|q| grown.contains(**q)).count()
            };
            let mut best = candidates[0];
            let mut best_score = score(&best);
            for c in &candidates[1..] {
                let s = score(c);
                if s < best_score {
                    (best, best_score) = (*c, s);
                }
            }
            best
        }
        other => at(other),
    };
    cv.fill_rect((bx.x0, bx.y0), (bx.x1, bx.y1), Rgb::WHITE, 0.85)?;
    cv.stroke_rect(
        (bx.x0, bx.y0),
        (bx.x1, bx.y1),
        Rgb(0xcc, 0xcc, 0xcc),
        1.0,
        1.0,
    )?;
    for (i, (sample, label)) in entries.iter().enumerate() {
        let base = bx.y0 + pad + i as f64 * row_h + ASCENT * em;
        let mid = base - 0.3 * em;
        let sx0 = bx.x0 + pad;
        let sx1 = sx0 + sample_w;
        match sample {
            Sample::Line(style) => {
                draw_styled_line(cv, &[(sx0, mid), (sx1, mid)], style)?;
            }
            Sample::Marker(style, size) => {
                let rad = f64::from((*size).max(1)) / 2.0;
                cv.disc(
                    ((sx0 + sx1) / 2.0, mid),
                    rad.min(0.45 * em),
                    style.color,
                    style.alpha,
                )?;
            }
            Sample::Patch(c, a, edge) => {
                let (y0, y1) = (mid - 0.4 * em, mid + 0.4 * em);
                cv.fill_rect((sx0, y0), (sx1, y1), *c, *a)?;
                if let Some(e) = edge {
                    cv.stroke_rect((sx0, y0), (sx1, y1), e.color, 1.0, f64::from(e.width))?;
                }
            }
        }
        cv.text(label, sx1 + gap, base, TextOpts::new(em))?;
    }
    Ok(())
}
