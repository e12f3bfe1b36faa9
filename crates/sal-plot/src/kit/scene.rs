//! What a panel draws, in screen coordinates and drawing order: the z-ordered lines, the
//! marks of values off the scale, the markers of hidden series, arrows, and the shapes of
//! every drawn mark (which the legend must not cover).

use super::canvas::{Fonts, LINE, text_width};
use super::color::Rgb;
use super::geom::{
    Mapper, Rect, Shape, clip_polygon, clip_polyline, clip_segment, dist_to_segment, points_along,
};
use super::model::{ArrowPivot, ArrowScale, Band, LegendPos, Panel, Series, Style};
use super::prepare::{Prepared, cell_edges};

/// Where a line of the scene comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LineSrc {
    /// `panel.series[i]` (a line or a step).
    Series(usize),
    /// `panel.hlines[i]`.
    HLine(usize),
    /// `panel.vlines[i]`.
    VLine(usize),
}

/// One stroked line of the scene.
#[derive(Debug, Clone)]
pub(super) struct LineItem {
    pub(super) src: LineSrc,
    pub(super) style: Style,
    /// Visible, clipped pieces.
    pub(super) pieces: Vec<Vec<(f64, f64)>>,
    /// Covered by lines drawn after it: drawn again as ringed markers on top.
    pub(super) hidden: bool,
}

/// A ▲ (up) at the top edge or ▼ at the bottom edge for a value the axis cannot show.
#[derive(Debug, Clone, Copy)]
pub(super) struct OffMark {
    pub(super) at: (f64, f64),
    pub(super) up: bool,
    pub(super) color: Rgb,
}

/// Screen geometry of one quiver arrow: its (clipped) shaft and head polygon.
#[derive(Debug, Clone)]
pub(super) struct ArrowGeom {
    pub(super) shaft: Option<((f64, f64), (f64, f64))>,
    pub(super) head: Vec<(f64, f64)>,
}

/// Size of an off-scale mark (half height of the triangle, logical pixels).
pub(super) const OFF_MARK: f64 = 4.5;
/// Radius of the markers drawn on hidden lines.
pub(super) const HIDDEN_MARK: f64 = 3.6;
/// A line counts as hidden when at least this fraction of it lies under later lines.
pub(super) const HIDDEN_FRACTION: f64 = 0.6;

/// Everything a panel draws between its background and its axes.
#[derive(Debug, Clone, Default)]
pub(super) struct Scene {
    /// Lines (series lines and steps, reference lines) in drawing order.
    pub(super) lines: Vec<LineItem>,
    /// Off-scale marks.
    pub(super) off: Vec<OffMark>,
    /// Markers on hidden lines: colour and centres.
    pub(super) hidden_marks: Vec<(Rgb, Vec<(f64, f64)>)>,
    /// Points of lines that have no drawable neighbour (a line cannot show them): centre,
    /// radius, colour.
    pub(super) dots: Vec<((f64, f64), f64, Rgb)>,
    /// Quiver arrows.
    pub(super) arrows: Vec<ArrowGeom>,
    /// Every drawn mark.
    pub(super) shapes: Vec<Shape>,
}

/// Off-scale status of a y value on `m`'s scale: `Some(true)` above (+∞), `Some(false)`
/// below (−∞, or ≤ 0 on a log axis), `None` drawable or missing (NaN).
fn off_scale(y: f64, log: bool) -> Option<bool> {
    if y == f64::INFINITY {
        Some(true)
    } else if y == f64::NEG_INFINITY || (log && y.is_finite() && y <= 0.0) {
        Some(false)
    } else {
        None
    }
}

/// Which kinds of off-scale values a panel has: (above, below).
pub(super) fn off_kinds(p: &Prepared<'_>) -> (bool, bool) {
    let (mut top, mut bottom) = (false, false);
    for s in &p.panel.series {
        let (x, y) = match s {
            Series::Line { x, y, .. } | Series::Scatter { x, y, .. } => (x, y),
            _ => continue,
        };
        for (&xv, &yv) in x.iter().zip(y) {
            if !p.xs.valid(xv) {
                continue;
            }
            match off_scale(yv, p.ys.log) {
                Some(true) => top = true,
                Some(false) => bottom = true,
                None => {}
            }
        }
    }
    (top, bottom)
}

/// The visible pieces of a line series plus the marks of its off-scale values. A vertical
/// segment from a drawable point to an off-scale one (an error bar) is drawn to the edge.
fn line_pieces(
    x: &[f64],
    y: &[f64],
    m: &Mapper,
    style: &Style,
    off: &mut Vec<OffMark>,
    dots: &mut Vec<((f64, f64), f64, Rgb)>,
) -> Vec<Vec<(f64, f64)>> {
    let r = m.r;
    let color = style.color;
    let pts: Vec<Option<(f64, f64)>> = x.iter().zip(y).map(|(&x, &y)| m.pt(x, y)).collect();
    let mut pieces = clip_polyline(&pts, &r);
    // A drawable point between two missing or off-scale ones is a dot (unless it ends an
    // error bar drawn to the edge below).
    for i in 0..pts.len() {
        let Some(p) = pts[i] else { continue };
        let lone = (i == 0 || pts[i - 1].is_none()) && (i + 1 >= pts.len() || pts[i + 1].is_none());
        let bar_end = [i.wrapping_sub(1), i + 1]
            .iter()
            .any(|&j| j < x.len() && x[j] == x[i] && off_scale(y[j], m.ys.log).is_some());
        if lone && !bar_end && r.contains(p) {
            dots.push((p, f64::from(style.width.max(1)).max(1.5) + 0.5, color));
        }
    }
    let mut last_mark: Option<(f64, bool)> = None;
    for i in 0..x.len() {
        let Some(up) = off_scale(y[i], m.ys.log) else {
            continue;
        };
        if !m.xs.valid(x[i]) {
            continue;
        }
        let sx = m.x(x[i]);
        if sx < r.x0 - 0.5 || sx > r.x1 + 0.5 {
            continue;
        }
        let edge = if up { r.y0 } else { r.y1 };
        for j in [i.wrapping_sub(1), i + 1] {
            if j < x.len()
                && x[j] == x[i]
                && let Some(p) = pts[j]
                && let Some((a, b)) = clip_segment(p, (sx, edge), &r)
            {
                pieces.push(vec![a, b]);
            }
        }
        // one mark per few pixels (long series)
        if last_mark.is_some_and(|(lx, lu)| lu == up && (lx - sx).abs() < 3.0) {
            continue;
        }
        last_mark = Some((sx, up));
        let yy = if up { r.y0 + OFF_MARK } else { r.y1 - OFF_MARK };
        off.push(OffMark {
            at: (sx, yy),
            up,
            color,
        });
    }
    pieces
}

/// Pieces of a step (histogram) outline.
fn step_pieces(edges: &[f64], y: &[f64], m: &Mapper) -> Vec<Vec<(f64, f64)>> {
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
    clip_polyline(&pts, &m.r)
}

/// Screen rectangles of bars (clipped to the plot).
pub(super) fn bar_rects(x: &[f64], y: &[f64], width: f64, m: &Mapper) -> Vec<Rect> {
    let r = m.r;
    let base = if m.ys.log { m.ys.lo } else { 0.0 };
    let mut out = Vec::new();
    for (&xc, &yv) in x.iter().zip(y) {
        let (Some(a), Some(b)) = (m.pt(xc - width / 2.0, base), m.pt(xc + width / 2.0, yv)) else {
            continue;
        };
        let rect = Rect {
            x0: a.0.min(b.0).max(r.x0),
            x1: a.0.max(b.0).min(r.x1),
            y0: a.1.min(b.1).max(r.y0),
            y1: a.1.max(b.1).min(r.y1),
        };
        if rect.w() > 0.0 && rect.h() > 0.0 {
            out.push(rect);
        }
    }
    out
}

/// Screen y of a band edge: +∞ reaches the top edge, −∞ (and ≤ 0 on a log axis) the
/// bottom edge; NaN is no value.
fn band_y(v: f64, m: &Mapper) -> Option<f64> {
    match off_scale(v, m.ys.log) {
        Some(true) => Some(m.r.y0 - 1.0),
        Some(false) => Some(m.r.y1 + 1.0),
        None if m.ys.valid(v) => Some(m.y(v)),
        None => None,
    }
}

/// Lower and upper screen point of a band at one abscissa.
type BandPair = ((f64, f64), (f64, f64));

/// The clipped polygons of a band (one per run of points where both edges exist).
pub(super) fn band_polys(b: &Band, m: &Mapper) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut run: Vec<BandPair> = Vec::new();
    let mut flush = |run: &mut Vec<BandPair>| {
        if run.len() >= 2 {
            let mut poly: Vec<(f64, f64)> = run.iter().map(|p| p.1).collect();
            poly.extend(run.iter().rev().map(|p| p.0));
            let clipped = clip_polygon(&poly, &m.r);
            if clipped.len() >= 3 {
                out.push(clipped);
            }
        }
        run.clear();
    };
    for i in 0..b.x.len() {
        let ok_x = m.xs.valid(b.x[i]);
        let lo = band_y(b.lower[i], m);
        let hi = band_y(b.upper[i], m);
        // a band whose lower edge is +∞ has nothing on the axis
        let empty = b.lower[i] == f64::INFINITY;
        match (ok_x && !empty, lo, hi) {
            (true, Some(lo), Some(hi)) => {
                let sx = m.x(b.x[i]);
                run.push(((sx, lo), (sx, hi)));
            }
            _ => flush(&mut run),
        }
    }
    flush(&mut run);
    out
}

/// Screen geometry of the panel's arrows.
fn arrow_geoms(panel: &Panel, m: &Mapper) -> Vec<ArrowGeom> {
    let st = &panel.arrow_style;
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
        return Vec::new();
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
    let mut out = Vec::new();
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
        let shaft = if len > head_len * 1.05 {
            clip_segment(tail, shaft_end, &m.r)
        } else {
            None
        };
        let head = [
            tip,
            (base.0 - uy * head_half, base.1 + ux * head_half),
            (base.0 + uy * head_half, base.1 - ux * head_half),
        ];
        let head = if head.iter().all(|p| m.r.contains(*p)) {
            head.to_vec()
        } else {
            clip_polygon(&head, &m.r)
        };
        out.push(ArrowGeom { shaft, head });
    }
    out
}

/// The screen area a heatmap covers.
fn heatmap_rect(p: &Prepared<'_>, m: &Mapper) -> Option<Rect> {
    let h = p.panel.heatmap.as_ref()?;
    let (ex, ey) = if h.smooth {
        (
            vec![h.x[0], h.x[h.x.len() - 1]],
            vec![h.y[0], h.y[h.y.len() - 1]],
        )
    } else {
        (cell_edges(&h.x, m.xs.log), cell_edges(&h.y, m.ys.log))
    };
    let (xa, xb) = (m.x(ex[0]), m.x(ex[ex.len() - 1]));
    let (ya, yb) = (m.y(ey[0]), m.y(ey[ey.len() - 1]));
    let r = Rect {
        x0: xa.min(xb).max(m.r.x0),
        x1: xa.max(xb).min(m.r.x1),
        y0: ya.min(yb).max(m.r.y0),
        y1: ya.max(yb).min(m.r.y1),
    };
    (r.w() > 0.0 && r.h() > 0.0).then_some(r)
}

/// Whether a later line covers the point `q` of a line of half width `hw`.
fn covered_by(q: (f64, f64), hw: f64, later: &LineItem) -> bool {
    if later.style.dashed || later.style.alpha < 0.9 {
        return false;
    }
    let hw_l = f64::from(later.style.width.max(1)) / 2.0;
    let reach = hw_l - hw + 0.75;
    if reach < 0.0 {
        return false;
    }
    later.pieces.iter().any(|piece| {
        piece
            .windows(2)
            .any(|w| dist_to_segment(q, w[0], w[1]) <= reach)
    })
}

/// Builds the scene of a panel for its final plot rectangle.
pub(super) fn build_scene(p: &Prepared<'_>, m: &Mapper) -> Scene {
    let panel = p.panel;
    let r = m.r;
    let mut sc = Scene::default();
    if let Some(hr) = heatmap_rect(p, m) {
        sc.shapes.push(Shape::Rect(hr));
    }
    for b in &panel.bands {
        for poly in band_polys(b, m) {
            sc.shapes.push(Shape::Poly(poly));
        }
    }
    sc.arrows = arrow_geoms(panel, m);
    let aw = panel.arrow_style.width / 2.0;
    for a in &sc.arrows {
        if let Some((s, e)) = a.shaft {
            sc.shapes.push(Shape::Seg { a: s, b: e, hw: aw });
        }
        if a.head.len() >= 3 {
            sc.shapes.push(Shape::Poly(a.head.clone()));
        }
    }
    // Lines: series lines and steps, reference lines; then the z-order.
    let mut lines: Vec<(LineItem, u8, usize)> = Vec::new();
    for (i, s) in panel.series.iter().enumerate() {
        match s {
            Series::Line { x, y, style, .. } => {
                let pieces = line_pieces(x, y, m, style, &mut sc.off, &mut sc.dots);
                lines.push((
                    LineItem {
                        src: LineSrc::Series(i),
                        style: *style,
                        pieces,
                        hidden: false,
                    },
                    1,
                    i,
                ));
            }
            Series::Step {
                edges, y, style, ..
            } => {
                lines.push((
                    LineItem {
                        src: LineSrc::Series(i),
                        style: *style,
                        pieces: step_pieces(edges, y, m),
                        hidden: false,
                    },
                    1,
                    i,
                ));
            }
            Series::Bars { x, y, width, .. } => {
                for rect in bar_rects(x, y, *width, m) {
                    sc.shapes.push(Shape::Rect(rect));
                }
            }
            Series::Scatter {
                x, y, style, size, ..
            } => {
                let rad = f64::from((*size).max(1)) / 2.0;
                let mut last: Option<(f64, bool)> = None;
                for (&xv, &yv) in x.iter().zip(y) {
                    if let Some(pt) = m.pt(xv, yv) {
                        if r.contains(pt) {
                            sc.shapes.push(Shape::Disc { c: pt, r: rad });
                        }
                    } else if let Some(up) = off_scale(yv, m.ys.log)
                        && m.xs.valid(xv)
                    {
                        let sx = m.x(xv);
                        if (r.x0 - 0.5..=r.x1 + 0.5).contains(&sx)
                            && !last.is_some_and(|(lx, lu)| lu == up && (lx - sx).abs() < 3.0)
                        {
                            last = Some((sx, up));
                            let yy = if up { r.y0 + OFF_MARK } else { r.y1 - OFF_MARK };
                            sc.off.push(OffMark {
                                at: (sx, yy),
                                up,
                                color: style.color,
                            });
                        }
                    }
                }
            }
        }
    }
    for (i, h) in panel.hlines.iter().enumerate() {
        if p.ys.valid(h.at) {
            let y = m.y(h.at);
            if y >= r.y0 && y <= r.y1 {
                lines.push((
                    LineItem {
                        src: LineSrc::HLine(i),
                        style: h.style,
                        pieces: vec![vec![(r.x0, y), (r.x1, y)]],
                        hidden: false,
                    },
                    0,
                    i,
                ));
            }
        }
    }
    for (i, v) in panel.vlines.iter().enumerate() {
        if p.xs.valid(v.at) {
            let x = m.x(v.at);
            if x >= r.x0 && x <= r.x1 {
                lines.push((
                    LineItem {
                        src: LineSrc::VLine(i),
                        style: v.style,
                        pieces: vec![vec![(x, r.y1), (x, r.y0)]],
                        hidden: false,
                    },
                    0,
                    i,
                ));
            }
        }
    }
    // z-order: solid before dashed; wider before narrower; reference lines before series;
    // declaration order.
    lines.sort_by(|a, b| {
        (
            a.0.style.dashed,
            std::cmp::Reverse(a.0.style.width),
            a.1,
            a.2,
        )
            .cmp(&(
                b.0.style.dashed,
                std::cmp::Reverse(b.0.style.width),
                b.1,
                b.2,
            ))
    });
    sc.lines = lines.into_iter().map(|l| l.0).collect();
    // Hidden lines: most of their length under later, opaque, solid lines.
    let n = sc.lines.len();
    for i in 0..n {
        let hw = f64::from(sc.lines[i].style.width.max(1)) / 2.0;
        let samples = points_along(&sc.lines[i].pieces, 2.0, 0.0);
        if samples.is_empty() {
            continue;
        }
        // Lines that hide this one: later opaque solid lines of any colour, and earlier lines
        // of the same colour at least as wide (a dashed line on a solid line of its own
        // colour cannot be told apart).
        let mine = sc.lines[i].style;
        let later: Vec<&LineItem> = sc.lines[i + 1..]
            .iter()
            .filter(|l| !l.style.dashed && l.style.alpha >= 0.9)
            .collect();
        let same: Vec<LineItem> = sc.lines[..i]
            .iter()
            .filter(|l| l.style.color == mine.color && l.style.width >= mine.width)
            .map(|l| LineItem {
                style: Style {
                    dashed: false,
                    alpha: 1.0,
                    ..l.style
                },
                ..l.clone()
            })
            .collect();
        if later.is_empty() && same.is_empty() {
            continue;
        }
        let covered = samples
            .iter()
            .filter(|&&q| {
                later.iter().any(|l| covered_by(q, hw, l))
                    || same.iter().any(|l| covered_by(q, hw, l))
            })
            .count();
        if covered as f64 >= HIDDEN_FRACTION * samples.len() as f64 {
            sc.lines[i].hidden = true;
        }
    }
    let hidden: Vec<usize> = (0..n).filter(|&i| sc.lines[i].hidden).collect();
    let period = (14.0 * hidden.len() as f64).max(36.0);
    for (k, &i) in hidden.iter().enumerate() {
        let phase = (k as f64 + 0.5) * period / hidden.len() as f64;
        let pts: Vec<(f64, f64)> = points_along(&sc.lines[i].pieces, period, phase)
            .into_iter()
            .filter(|q| r.contains(*q))
            .collect();
        sc.hidden_marks.push((sc.lines[i].style.color, pts));
    }
    for l in &sc.lines {
        let hw = f64::from(l.style.width.max(1)) / 2.0;
        for piece in &l.pieces {
            for w in piece.windows(2) {
                sc.shapes.push(Shape::Seg {
                    a: w[0],
                    b: w[1],
                    hw,
                });
            }
        }
    }
    // Marks of different series at the same place stack inwards, one row per series, so
    // that each stays visible.
    let mut placed: Vec<(f64, bool, Rgb, usize)> = Vec::new();
    for o in &mut sc.off {
        let row = placed
            .iter()
            .filter(|(x, up, c, _)| {
                *up == o.up && (*x - o.at.0).abs() < 2.0 * OFF_MARK && *c != o.color
            })
            .map(|p| p.3 + 1)
            .max()
            .unwrap_or(0);
        placed.push((o.at.0, o.up, o.color, row));
        let d = row as f64 * 2.2 * OFF_MARK;
        o.at.1 += if o.up { d } else { -d };
    }
    for (c, rad, _) in &sc.dots {
        sc.shapes.push(Shape::Disc { c: *c, r: *rad });
    }
    for o in &sc.off {
        sc.shapes.push(Shape::Disc {
            c: o.at,
            r: OFF_MARK + 0.5,
        });
    }
    for (_, pts) in &sc.hidden_marks {
        for q in pts {
            sc.shapes.push(Shape::Disc {
                c: *q,
                r: HIDDEN_MARK + 1.0,
            });
        }
    }
    sc
}

// ---------------------------------------------------------------------------
// Legend

/// What a legend entry's sample looks like.
#[derive(Debug, Clone)]
pub(super) enum Sample {
    /// A line (with a ringed marker when the line is hidden under others).
    Line(Style, bool),
    /// A filled marker.
    Marker(Style, u32),
    /// A filled patch with an optional outline.
    Patch(Rgb, f64, Option<Style>),
    /// An off-scale mark (▲ when `true`).
    Off(bool),
}

/// Default legend text of the marks at the top edge.
pub(super) const TOP_MARK_DEFAULT: &str = "+∞";

/// The legend entries of a panel (`hidden(src)` says whether a line is hidden).
pub(super) fn legend_entries(
    p: &Prepared<'_>,
    hidden: &dyn Fn(LineSrc) -> bool,
) -> Vec<(Sample, String)> {
    let panel = p.panel;
    let mut out = Vec::new();
    for (i, s) in panel.series.iter().enumerate() {
        match s {
            Series::Line { style, label, .. } | Series::Step { style, label, .. } => {
                if let Some(l) = label {
                    out.push((Sample::Line(*style, hidden(LineSrc::Series(i))), l.clone()));
                }
            }
            Series::Scatter {
                style, size, label, ..
            } => {
                if let Some(l) = label {
                    out.push((Sample::Marker(*style, *size), l.clone()));
                }
            }
            Series::Bars { style, label, .. } => {
                if let Some(l) = label {
                    let edge = (style.width > 0).then_some(*style);
                    out.push((Sample::Patch(style.color, style.alpha, edge), l.clone()));
                }
            }
        }
    }
    for b in &panel.bands {
        if let Some(l) = &b.label {
            out.push((Sample::Patch(b.color, b.alpha, None), l.clone()));
        }
    }
    for (i, rl) in panel.hlines.iter().enumerate() {
        if let Some(l) = &rl.label {
            out.push((Sample::Line(rl.style, hidden(LineSrc::HLine(i))), l.clone()));
        }
    }
    for (i, rl) in panel.vlines.iter().enumerate() {
        if let Some(l) = &rl.label {
            out.push((Sample::Line(rl.style, hidden(LineSrc::VLine(i))), l.clone()));
        }
    }
    let (top, bottom) = off_kinds(p);
    if top {
        let l = panel
            .top_mark_label
            .clone()
            .unwrap_or_else(|| TOP_MARK_DEFAULT.into());
        out.push((Sample::Off(true), l));
    }
    if bottom {
        let l = panel.bottom_mark_label.clone().unwrap_or_else(|| {
            if p.ys.log {
                "≤ 0 (not on the log axis)".into()
            } else {
                "−∞".into()
            }
        });
        out.push((Sample::Off(false), l));
    }
    out
}

/// Metrics of a legend box.
#[derive(Debug, Clone, Copy)]
pub(super) struct LegendMetrics {
    pub(super) em: f64,
    pub(super) pad: f64,
    pub(super) row_h: f64,
    pub(super) sample_w: f64,
    pub(super) gap: f64,
    pub(super) w: f64,
    pub(super) h: f64,
}

/// Size of the legend box for `labels`.
pub(super) fn legend_metrics(labels: &[&str], f: &Fonts) -> LegendMetrics {
    let em = f.legend;
    let pad = 0.5 * em;
    let row_h = 1.4 * em;
    let sample_w = 2.0 * em;
    let gap = 0.6 * em;
    let text_w = labels
        .iter()
        .map(|l| text_width(l, em, false))
        .fold(0.0, f64::max);
    LegendMetrics {
        em,
        pad,
        row_h,
        sample_w,
        gap,
        w: 2.0 * pad + sample_w + gap + text_w,
        h: 2.0 * pad + (labels.len().max(1) - 1) as f64 * row_h + LINE * em,
    }
}

/// Candidate positions inside the plot in order of preference.
fn candidates(pref: LegendPos, r: &Rect, w: f64, h: f64, inset: f64) -> Vec<Rect> {
    let at = |x0: f64, y0: f64| Rect {
        x0,
        y0,
        x1: x0 + w,
        y1: y0 + h,
    };
    let (l, rt) = (r.x0 + inset, r.x1 - inset - w);
    let (t, b) = (r.y0 + inset, r.y1 - inset - h);
    let (cx, cy) = ((r.x0 + r.x1 - w) / 2.0, (r.y0 + r.y1 - h) / 2.0);
    let ul = at(l, t);
    let ur = at(rt, t);
    let ll = at(l, b);
    let lr = at(rt, b);
    let tc = at(cx, t);
    let bc = at(cx, b);
    let ml = at(l, cy);
    let mr = at(rt, cy);
    match pref {
        LegendPos::UpperLeft => vec![ul, ur, ll, lr, tc, bc, ml, mr],
        LegendPos::LowerLeft => vec![ll, lr, ul, ur, bc, tc, ml, mr],
        LegendPos::LowerRight => vec![lr, ll, ur, ul, bc, tc, mr, ml],
        LegendPos::UpperRight | LegendPos::Best => vec![ur, ul, ll, lr, tc, bc, mr, ml],
        LegendPos::Outside => Vec::new(),
    }
}

/// Clearance between the legend box and any mark, logical pixels.
pub(super) const LEGEND_CLEARANCE: f64 = 2.5;

/// The first free position for a `w`×`h` legend inside the plot, if any.
pub(super) fn place_inside(
    pref: LegendPos,
    r: &Rect,
    w: f64,
    h: f64,
    em: f64,
    shapes: &[Shape],
) -> Option<Rect> {
    let inset = 0.6 * em;
    if w + 2.0 * inset > r.w() || h + 2.0 * inset > r.h() {
        return None;
    }
    let boxes: Vec<Rect> = shapes.iter().map(Shape::bbox).collect();
    candidates(pref, r, w, h, inset).into_iter().find(|c| {
        let g = c.grown(LEGEND_CLEARANCE);
        !shapes
            .iter()
            .zip(&boxes)
            .any(|(s, bb)| bb.overlaps(&g) && s.hits(&g))
    })
}

/// The number of drawn marks a rectangle touches (for tests and the layout file).
pub(super) fn marks_under(rect: &Rect, shapes: &[Shape]) -> usize {
    shapes.iter().filter(|s| s.hits(rect)).count()
}

/// Relative luminance (0 black … 1 white).
pub(super) fn luminance(c: Rgb) -> f64 {
    (0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2)) / 255.0
}
