//! Drawing of panels onto a [`Canvas`].

use plotters::prelude::*;

use super::canvas::{ASCENT, Align, Canvas, DrawResult, Flavor, Fonts, LINE, TextOpts, text_width};
use super::color::Rgb;
use super::geom::{Mapper, decimate};
use super::layout::{
    GRID, LABEL_PAD, LegendPlan, MINOR_TICK_LEN, OUTER_PAD, PanelLayout, SPINE, SPINE_W, TICK_LEN,
    TICK_PAD, caption_band, caption_line_h, caption_lines, colorbar_width, max_label_width, snap,
};
use super::model::{Figure, Heatmap, Series, Style};
use super::prepare::{HeatPrep, Prepared, cell_edges};
use super::scene::{HIDDEN_MARK, OFF_MARK, Sample, Scene, band_polys, bar_rects, luminance};
use super::ticks::{Scale, Tick, TickSet};

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
        // a title wider than the figure is set smaller (down to the tick size) to fit
        let room = f64::from(w) - 2.0 * OUTER_PAD;
        let size = f.suptitle;
        let wide = text_width(t, size, false);
        let size = if wide > room {
            (size * room / wide).max(f.tick)
        } else {
            size
        };
        cv.text(
            t,
            f64::from(w) / 2.0,
            OUTER_PAD + ASCENT * f.suptitle,
            TextOpts::new(size).align(Align::Center),
        )?;
    }
    let lines = caption_lines(fig);
    if !lines.is_empty() {
        let (_, h) = fig.logical_size();
        let top = f64::from(h) - caption_band(fig) + OUTER_PAD;
        for (i, l) in lines.iter().enumerate() {
            cv.text(
                l,
                OUTER_PAD,
                top + i as f64 * caption_line_h(f) + ASCENT * f.legend,
                TextOpts::new(f.legend),
            )?;
        }
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
    let sc = &l.scene;
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
    // Area marks.
    for b in &panel.bands {
        for poly in band_polys(b, &m) {
            cv.polygon(&poly, b.color, b.alpha)?;
        }
    }
    let st = &panel.arrow_style;
    for a in &sc.arrows {
        if let Some((s, e)) = a.shaft {
            cv.polyline(&[s, e], st.color, 1.0, st.width)?;
        }
        cv.polygon(&a.head, st.color, 1.0)?;
    }
    for s in &panel.series {
        if let Series::Bars {
            x, y, width, style, ..
        } = s
        {
            for rect in bar_rects(x, y, *width, &m) {
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
    }
    // Lines in z-order.
    let column = 0.5 / cv.snap_dpi;
    for item in &sc.lines {
        for piece in &item.pieces {
            draw_styled_line(cv, &decimate(piece.clone(), column), &item.style)?;
        }
    }
    for (c, rad, color) in &sc.dots {
        cv.disc(*c, *rad, *color, 1.0)?;
    }
    // Markers.
    for s in &panel.series {
        if let Series::Scatter {
            x, y, style, size, ..
        } = s
        {
            let rad = f64::from((*size).max(1)) / 2.0;
            for (&x, &y) in x.iter().zip(y) {
                if let Some(pt) = m.pt(x, y)
                    && r.contains(pt)
                {
                    cv.disc(pt, rad, style.color, style.alpha)?;
                }
            }
        }
    }
    draw_marks(cv, sc)?;
    draw_axes(cv, p, l, f, &m)?;
    if let (Some(h), Some(hp), Some(ct)) = (&panel.heatmap, &p.heat, &l.ticks.cbar) {
        draw_colorbar(cv, h, hp, ct, l, f)?;
    }
    if let Some(lp) = &l.legend {
        draw_legend(cv, lp)?;
    }
    Ok(())
}

/// A ▲ or ▼ centred at `c` with half height `s`.
fn triangle(c: (f64, f64), s: f64, up: bool) -> [(f64, f64); 3] {
    let d = if up { -1.0 } else { 1.0 };
    [
        (c.0, c.1 + d * s),
        (c.0 - s, c.1 - d * s),
        (c.0 + s, c.1 - d * s),
    ]
}

/// A ringed marker (white ring around a filled disc): visible on a line of any colour.
fn ringed<DB: DrawingBackend>(
    cv: &Canvas<'_, DB>,
    c: (f64, f64),
    color: Rgb,
    rad: f64,
) -> DrawResult {
    cv.disc(c, rad + 1.0, Rgb::WHITE, 1.0)?;
    cv.disc(c, rad, color, 1.0)
}

/// Off-scale marks and the markers of hidden lines.
fn draw_marks<DB: DrawingBackend>(cv: &Canvas<'_, DB>, sc: &Scene) -> DrawResult {
    for o in &sc.off {
        let t = triangle(o.at, OFF_MARK, o.up);
        cv.polygon(&t, o.color, 1.0)?;
        let mut outline = t.to_vec();
        outline.push(t[0]);
        cv.polyline(&outline, Rgb(0x30, 0x30, 0x30), 1.0, 0.8)?;
    }
    for (color, pts) in &sc.hidden_marks {
        for q in pts {
            ringed(cv, *q, *color, HIDDEN_MARK)?;
        }
    }
    Ok(())
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

/// The bottom-axis tick labels that are drawn: majors inside the axis whose label does not
/// collide with the previous one.
pub(super) fn drawn_x_labels<'t>(t: &'t TickSet, m: &Mapper, em: f64) -> Vec<&'t Tick> {
    let r = m.r;
    let mut row = LabelRow::new(em);
    t.majors()
        .filter(|t| {
            let x = m.x(t.at);
            (r.x0 - 0.5..=r.x1 + 0.5).contains(&x) && row.admit(x, &t.label)
        })
        .collect()
}

/// The left-axis tick labels that are drawn: majors inside the axis.
pub(super) fn drawn_y_labels<'t>(t: &'t TickSet, m: &Mapper) -> Vec<&'t Tick> {
    let r = m.r;
    t.majors()
        .filter(|t| (r.y0 - 0.5..=r.y1 + 0.5).contains(&m.y(t.at)))
        .collect()
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
    let label_base = r.y1 + TICK_LEN + TICK_PAD + ASCENT * f.tick;
    for t in &l.ticks.x.ticks {
        let x = m.x(t.at);
        if !(r.x0 - 0.5..=r.x1 + 0.5).contains(&x) {
            continue;
        }
        let xs = snap(x, dpi);
        let len = if t.major { TICK_LEN } else { MINOR_TICK_LEN };
        cv.polyline(&[(xs, r.y1), (xs, r.y1 + len)], SPINE, 1.0, SPINE_W)?;
    }
    for t in drawn_x_labels(&l.ticks.x, m, f.tick) {
        cv.text(
            &t.label,
            m.x(t.at),
            label_base,
            tick_opts.align(Align::Center),
        )?;
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
    }
    for t in drawn_y_labels(&l.ticks.y, m) {
        // Centre the digits (cap height 0.73 em) on the tick.
        cv.text(
            &t.label,
            ylabel_right,
            m.y(t.at) + 0.36 * f.tick,
            tick_opts.align(Align::Right),
        )?;
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
    if let Some(tag) = &p.tag {
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

/// Draws a legend box.
pub(super) fn draw_legend<DB: DrawingBackend>(cv: &Canvas<'_, DB>, lp: &LegendPlan) -> DrawResult {
    let bx = lp.rect;
    let lm = &lp.metrics;
    let em = lm.em;
    cv.fill_rect((bx.x0, bx.y0), (bx.x1, bx.y1), Rgb::WHITE, 0.9)?;
    cv.stroke_rect(
        (bx.x0, bx.y0),
        (bx.x1, bx.y1),
        Rgb(0xcc, 0xcc, 0xcc),
        1.0,
        1.0,
    )?;
    let halo = Rgb(0x60, 0x60, 0x60);
    for (i, (sample, label)) in lp.entries.iter().enumerate() {
        let base = bx.y0 + lm.pad + i as f64 * lm.row_h + ASCENT * em;
        let mid = base - 0.3 * em;
        let sx0 = bx.x0 + lm.pad;
        let sx1 = sx0 + lm.sample_w;
        match sample {
            Sample::Line(style, hidden) => {
                // A light line would vanish on the white box: draw it on a dark patch.
                if luminance(style.color) > 0.8 {
                    let d = 0.45 * em;
                    cv.fill_rect((sx0 - 2.0, mid - d), (sx1 + 2.0, mid + d), halo, 1.0)?;
                }
                draw_styled_line(cv, &[(sx0, mid), (sx1, mid)], style)?;
                if *hidden {
                    ringed(cv, ((sx0 + sx1) / 2.0, mid), style.color, HIDDEN_MARK)?;
                }
            }
            Sample::Marker(style, size) => {
                let rad = (f64::from((*size).max(1)) / 2.0).min(0.45 * em);
                let c = ((sx0 + sx1) / 2.0, mid);
                if luminance(style.color) > 0.8 {
                    cv.disc(c, rad + 1.0, halo, 1.0)?;
                }
                cv.disc(c, rad, style.color, style.alpha)?;
            }
            Sample::Patch(c, a, edge) => {
                let (y0, y1) = (mid - 0.4 * em, mid + 0.4 * em);
                cv.fill_rect((sx0, y0), (sx1, y1), *c, *a)?;
                if let Some(e) = edge {
                    cv.stroke_rect((sx0, y0), (sx1, y1), e.color, 1.0, f64::from(e.width))?;
                } else if luminance(*c) > 0.8 && *a > 0.5 {
                    cv.stroke_rect((sx0, y0), (sx1, y1), halo, 1.0, 1.0)?;
                }
            }
            Sample::Off(up) => {
                let t = triangle(((sx0 + sx1) / 2.0, mid), OFF_MARK, *up);
                cv.polygon(&t, Rgb(0x60, 0x60, 0x60), 1.0)?;
            }
        }
        cv.text(label, sx1 + lm.gap, base, TextOpts::new(em))?;
    }
    Ok(())
}
