//! Font sizes, tick selection and the placement of plot areas.

use super::canvas::{Fonts, LINE, text_width};
use super::color::Rgb;
use super::geom::{Mapper, Rect};
use super::model::{Figure, LegendPos};
use super::prepare::Prepared;
use super::scene::{
    LegendMetrics, Sample, Scene, build_scene, legend_entries, legend_metrics, marks_under,
    place_inside,
};
use super::ticks::{Scale, Spacing, TickSet, explicit_ticks, linear_ticks, log_ticks};

// ---------------------------------------------------------------------------
// Metrics (logical pixels)

pub(super) const TICK_LEN: f64 = 4.5;
pub(super) const MINOR_TICK_LEN: f64 = 2.5;
pub(super) const TICK_PAD: f64 = 3.5;
pub(super) const LABEL_PAD: f64 = 5.0;
pub(super) const OUTER_PAD: f64 = 7.0;
pub(super) const SPINE_W: f64 = 1.0;
pub(super) const SPINE: Rgb = Rgb(0x26, 0x26, 0x26);
pub(super) const GRID: Rgb = Rgb(0xe3, 0xe3, 0xe3);
/// SVG coordinates are integers; draw at this multiple for sub-pixel detail.
pub(super) const SVG_OVERSAMPLE: f64 = 4.0;

/// Caption lines (the paragraphs of [`Figure::caption`] wrapped to the figure width).
pub(super) fn caption_lines(fig: &Figure) -> Vec<String> {
    let f = Fonts::new(fig.font_scale);
    let width = fig.cols as f64 * f64::from(fig.panel_width) - 2.0 * OUTER_PAD;
    let mut out = Vec::new();
    for para in &fig.caption {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let trial = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && text_width(&trial, f.legend, false) > width {
                out.push(std::mem::take(&mut line));
                line = word.to_string();
            } else {
                line = trial;
            }
        }
        if !line.is_empty() {
            out.push(line);
        }
    }
    out
}

/// Height of one caption line.
pub(super) fn caption_line_h(f: &Fonts) -> f64 {
    1.3 * f.legend
}

/// Height of the caption band under the panels (0 without a caption).
pub(super) fn caption_band(fig: &Figure) -> f64 {
    let n = caption_lines(fig).len();
    if n == 0 {
        return 0.0;
    }
    let f = Fonts::new(fig.font_scale);
    2.0 * OUTER_PAD + n as f64 * caption_line_h(&f)
}

/// Height of the figure-title band in logical pixels (0 without a title).
pub(super) fn title_band(fig: &Figure) -> f64 {
    match &fig.title {
        Some(_) => {
            let f = Fonts::new(fig.font_scale).suptitle;
            OUTER_PAD + f * LINE + 0.2 * f
        }
        None => 0.0,
    }
}

// ---------------------------------------------------------------------------
// Layout

/// Ticks of one panel.
#[derive(Debug, Clone, Default)]
pub(super) struct PanelTicks {
    pub(super) x: TickSet,
    pub(super) y: TickSet,
    pub(super) top: Option<TickSet>,
    pub(super) cbar: Option<TickSet>,
}

/// Margins around the plot area.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Margins {
    pub(super) left: f64,
    pub(super) right: f64,
    pub(super) top: f64,
    pub(super) bottom: f64,
}

/// Where a panel's legend goes and what it shows.
pub(super) struct LegendPlan {
    pub(super) rect: Rect,
    pub(super) outside: bool,
    pub(super) entries: Vec<(Sample, String)>,
    pub(super) metrics: LegendMetrics,
    /// Drawn marks under the legend box (0 by construction for inside legends).
    pub(super) marks_under: usize,
}

/// Final geometry of one panel.
pub(super) struct PanelLayout {
    pub(super) cell: Rect,
    pub(super) plot: Rect,
    pub(super) ticks: PanelTicks,
    /// Widest y tick label in the panel's column (aligns y labels).
    pub(super) col_ytick_w: f64,
    /// The panel's own right margin without an outside legend.
    pub(super) own_right: f64,
    /// The panel's own bottom margin without an outside legend.
    pub(super) own_bottom: f64,
    /// What the panel draws.
    pub(super) scene: Scene,
    /// The legend, if the panel has entries.
    pub(super) legend: Option<LegendPlan>,
}

pub(super) fn colorbar_width(cell_w: f64) -> f64 {
    (cell_w * 0.035).clamp(10.0, 20.0)
}

pub(super) fn compute_ticks(p: &Prepared<'_>, f: &Fonts, w: f64, h: f64) -> PanelTicks {
    let measure = |s: &str| text_width(s, f.tick, false);
    let xsp = Spacing {
        length: w,
        min_sep: (3.0 * f.tick).max(w / 9.0),
        label_gap: Some(1.3 * f.tick),
        measure: &measure,
        integer: p.panel.x_integer && !p.xs.log,
    };
    let xsp_top = Spacing {
        integer: false,
        ..xsp
    };
    let ysp = Spacing {
        length: h,
        min_sep: (2.8 * f.tick).max(h / 8.0),
        label_gap: None,
        measure: &measure,
        integer: false,
    };
    let auto = |s: &Scale, sp: &Spacing<'_>| {
        if s.log {
            log_ticks(s.lo, s.hi, sp)
        } else {
            linear_ticks(s.lo, s.hi, sp)
        }
    };
    let panel = p.panel;
    let x = match &panel.x_ticks {
        Some(t) => explicit_ticks(t, &p.xs),
        None => auto(&p.xs, &xsp),
    };
    let y = match &panel.y_ticks {
        Some(t) => explicit_ticks(t, &p.ys),
        None => auto(&p.ys, &ysp),
    };
    let top = panel.secondary_x.as_ref().map(|s| {
        let (a, b) = (p.xs.lo * s.scale, p.xs.hi * s.scale);
        let mut t = if p.xs.log {
            // Decades of |value * scale|, signed labels for a negative scale.
            let k = s.scale.abs();
            let mut t = log_ticks(p.xs.lo * k, p.xs.hi * k, &xsp_top);
            for tick in &mut t.ticks {
                if s.scale < 0.0 && !tick.label.is_empty() {
                    tick.label.insert(0, '\u{2212}');
                }
                tick.at *= s.scale.signum();
            }
            t
        } else {
            linear_ticks(a.min(b), a.max(b), &xsp_top)
        };
        for tick in &mut t.ticks {
            tick.at /= s.scale;
        }
        t
    });
    let cbar = match (&panel.heatmap, &p.heat) {
        (Some(hm), Some(hp)) if hm.colorbar_label.is_some() => {
            Some(linear_ticks(hp.lo, hp.hi, &ysp))
        }
        _ => None,
    };
    PanelTicks { x, y, top, cbar }
}

pub(super) fn max_label_width(t: &TickSet, em: f64) -> f64 {
    t.majors()
        .map(|t| text_width(&t.label, em, false))
        .fold(0.0, f64::max)
}

/// How far the outermost x tick labels stick out left/right of the axis.
pub(super) fn x_overhang(t: &TickSet, s: &Scale, w: f64, em: f64) -> (f64, f64) {
    let (mut l, mut r) = (0.0f64, 0.0f64);
    for tick in t.majors() {
        let pos = s.norm(tick.at) * w;
        let half = text_width(&tick.label, em, false) / 2.0;
        l = l.max(half - pos);
        r = r.max(pos + half - w);
    }
    (l, r)
}

/// Gap between the plot (or its colorbar) and an outside legend.
pub(super) const OUTSIDE_GAP: f64 = 10.0;

/// Room an outside legend takes: right of the plot, or below it (wide legends).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum OutsideRoom {
    Right(f64),
    Below(f64),
}

/// Outside legends wider than this fraction of the panel go below the plot.
const WIDE_LEGEND: f64 = 0.36;

pub(super) fn margins(
    p: &Prepared<'_>,
    t: &PanelTicks,
    f: &Fonts,
    cell: Rect,
    plot_w: f64,
    outside_legend: Option<OutsideRoom>,
) -> (Margins, f64, f64) {
    let panel = p.panel;
    let tick_block = TICK_LEN + TICK_PAD;
    let wy = max_label_width(&t.y, f.tick);
    let ylab = if panel.y_label.is_empty() {
        0.0
    } else {
        f.label * LINE + LABEL_PAD
    };
    let (ov_l, ov_r) = x_overhang(&t.x, &p.xs, plot_w, f.tick);
    let mut left = (OUTER_PAD + ylab + wy + tick_block).max(OUTER_PAD + ov_l);

    let mut bottom = OUTER_PAD + tick_block + f.tick * LINE;
    if !panel.x_label.is_empty() || t.x.multiplier.is_some() {
        bottom += LABEL_PAD + f.label.max(f.tick) * LINE;
    }

    let mut top = OUTER_PAD + 0.5 * f.tick;
    let mut above = 0.0;
    if let Some(tt) = &t.top {
        above += tick_block + f.tick * LINE;
        if panel
            .secondary_x
            .as_ref()
            .is_some_and(|s| !s.label.is_empty())
        {
            above += LABEL_PAD + f.label * LINE;
        }
        let (l2, _) = x_overhang(tt, &p.xs, plot_w, f.tick);
        left = left.max(OUTER_PAD + l2);
    }
    if t.y.multiplier.is_some() || t.cbar.as_ref().is_some_and(|c| c.multiplier.is_some()) {
        above += f.tick * LINE + 4.0;
    }
    if panel.title.is_some() {
        above += f.title * LINE + 0.5 * f.title;
    } else if p.tag.is_some() {
        above = above.max(f.tag * LINE + 0.2 * f.tag);
    }
    top = top.max(OUTER_PAD + above);

    let mut right = OUTER_PAD;
    if let Some(ct) = &t.cbar {
        let wc = max_label_width(ct, f.tick);
        right += 0.8 * f.tick + colorbar_width(cell.w()) + tick_block + wc;
        if panel
            .heatmap
            .as_ref()
            .and_then(|h| h.colorbar_label.as_ref())
            .is_some_and(|l| !l.is_empty())
        {
            right += LABEL_PAD + f.label * LINE;
        }
    } else {
        right = right.max(ov_r + 3.0);
        if let Some(tt) = &t.top {
            right = right.max(x_overhang(tt, &p.xs, plot_w, f.tick).1 + 3.0);
        }
    }
    let own_right = right;
    let own_bottom = bottom;
    match outside_legend {
        Some(OutsideRoom::Right(w)) => right += OUTSIDE_GAP + w,
        Some(OutsideRoom::Below(h)) => bottom += OUTSIDE_GAP + h,
        None => {}
    }
    (
        Margins {
            left,
            right,
            top,
            bottom,
        },
        own_right,
        own_bottom,
    )
}

/// Snaps a logical coordinate to the centre of a device pixel.
pub(super) fn snap(v: f64, dpi: f64) -> f64 {
    ((v * dpi).floor() + 0.5) / dpi
}

/// Panel geometry for the given outside-legend widths (None: legend inside or none).
fn layout_pass(
    fig: &Figure,
    prepared: &[Prepared<'_>],
    f: &Fonts,
    outside: &[Option<OutsideRoom>],
) -> Vec<(Rect, Rect, PanelTicks, f64, f64, f64)> {
    let (pw, ph) = (f64::from(fig.panel_width), f64::from(fig.panel_height));
    let band = title_band(fig);
    let cell_of = |i: usize| {
        let (r, c) = (i / fig.cols, i % fig.cols);
        Rect {
            x0: c as f64 * pw,
            y0: band + r as f64 * ph,
            x1: (c + 1) as f64 * pw,
            y1: band + (r + 1) as f64 * ph,
        }
    };
    // Pass 1 estimates the plot size, pass 2 refines ticks for the real size.
    let mut sizes: Vec<(f64, f64)> = vec![(pw * 0.78, ph * 0.72); prepared.len()];
    let mut result = Vec::new();
    for _pass in 0..2 {
        let ticks: Vec<PanelTicks> = prepared
            .iter()
            .zip(&sizes)
            .map(|(p, &(w, h))| compute_ticks(p, f, w, h))
            .collect();
        let ms: Vec<(Margins, f64, f64)> = prepared
            .iter()
            .enumerate()
            .map(|(i, p)| margins(p, &ticks[i], f, cell_of(i), sizes[i].0, outside[i]))
            .collect();
        let mut col = vec![(0.0f64, 0.0f64, 0.0f64); fig.cols]; // left, right, ytick width
        let mut row = vec![(0.0f64, 0.0f64); fig.rows]; // top, bottom
        for (i, (m, _, _)) in ms.iter().enumerate() {
            let (r, c) = (i / fig.cols, i % fig.cols);
            col[c].0 = col[c].0.max(m.left);
            col[c].1 = col[c].1.max(m.right);
            col[c].2 = col[c].2.max(max_label_width(&ticks[i].y, f.tick));
            row[r].0 = row[r].0.max(m.top);
            row[r].1 = row[r].1.max(m.bottom);
        }
        result.clear();
        for (i, t) in ticks.into_iter().enumerate() {
            let (r, c) = (i / fig.cols, i % fig.cols);
            let cell = cell_of(i);
            let min = 20.0;
            let mut plot = Rect {
                x0: cell.x0 + col[c].0,
                y0: cell.y0 + row[r].0,
                x1: cell.x1 - col[c].1,
                y1: cell.y1 - row[r].1,
            };
            if plot.w() < min {
                let mid = (plot.x0 + plot.x1) / 2.0;
                (plot.x0, plot.x1) = (mid - min / 2.0, mid + min / 2.0);
            }
            if plot.h() < min {
                let mid = (plot.y0 + plot.y1) / 2.0;
                (plot.y0, plot.y1) = (mid - min / 2.0, mid + min / 2.0);
            }
            let d = fig.dpi_scale;
            plot = Rect {
                x0: snap(plot.x0, d),
                y0: snap(plot.y0, d),
                x1: snap(plot.x1, d),
                y1: snap(plot.y1, d),
            };
            sizes[i] = (plot.w(), plot.h());
            result.push((cell, plot, t, col[c].2, ms[i].1, ms[i].2));
        }
    }
    result
}

/// The final layout: panel geometry, scenes and legends. A legend that finds no free place
/// inside its plot moves outside (and the layout is recomputed with room for it).
pub(super) fn layout(fig: &Figure, prepared: &[Prepared<'_>], f: &Fonts) -> Vec<PanelLayout> {
    let metrics: Vec<Option<LegendMetrics>> = prepared
        .iter()
        .map(|p| {
            let entries = legend_entries(p, &|_| false);
            if entries.is_empty() || (p.panel.legend.is_none() && !has_off_entry(&entries)) {
                return None;
            }
            let labels: Vec<&str> = entries.iter().map(|e| e.1.as_str()).collect();
            Some(legend_metrics(&labels, f))
        })
        .collect();
    let room = |m: &LegendMetrics| {
        if m.w > WIDE_LEGEND * f64::from(fig.panel_width) {
            OutsideRoom::Below(m.h)
        } else {
            OutsideRoom::Right(m.w)
        }
    };
    let mut outside: Vec<Option<OutsideRoom>> = prepared
        .iter()
        .zip(&metrics)
        .map(|(p, m)| match (p.panel.legend, m) {
            (Some(LegendPos::Outside), Some(m)) => Some(room(m)),
            _ => None,
        })
        .collect();
    // Each round moves at least one more legend outside, so this ends after at most
    // (panels + 1) rounds.
    loop {
        let geo = layout_pass(fig, prepared, f, &outside);
        let mut changed = false;
        let mut out = Vec::new();
        for (i, (cell, plot, ticks, col_ytick_w, own_right, own_bottom)) in
            geo.into_iter().enumerate()
        {
            let p = &prepared[i];
            let m = Mapper {
                xs: p.xs,
                ys: p.ys,
                r: plot,
            };
            let scene = build_scene(p, &m);
            let legend = metrics[i].map(|lm| {
                let hidden = |src| scene.lines.iter().any(|l| l.src == src && l.hidden);
                let entries = legend_entries(p, &hidden);
                let pref = p.panel.legend.unwrap_or(LegendPos::Best);
                let inside = if outside[i].is_some() {
                    None
                } else {
                    place_inside(pref, &plot, lm.w, lm.h, lm.em, &scene.shapes)
                };
                match inside {
                    Some(rect) => LegendPlan {
                        rect,
                        outside: false,
                        entries,
                        metrics: lm,
                        marks_under: 0,
                    },
                    None => {
                        if outside[i].is_none() {
                            outside[i] = Some(room(&lm));
                            changed = true;
                        }
                        let rect = match outside[i] {
                            Some(OutsideRoom::Below(_)) => {
                                let y0 = plot.y1 + own_bottom - OUTER_PAD + OUTSIDE_GAP;
                                Rect {
                                    x0: plot.x0,
                                    y0,
                                    x1: plot.x0 + lm.w,
                                    y1: y0 + lm.h,
                                }
                            }
                            _ => {
                                let x0 = plot.x1 + own_right - OUTER_PAD + OUTSIDE_GAP;
                                Rect {
                                    x0,
                                    y0: plot.y0,
                                    x1: x0 + lm.w,
                                    y1: plot.y0 + lm.h,
                                }
                            }
                        };
                        LegendPlan {
                            rect,
                            outside: true,
                            entries,
                            metrics: lm,
                            marks_under: marks_under(&rect, &scene.shapes),
                        }
                    }
                }
            });
            out.push(PanelLayout {
                cell,
                plot,
                ticks,
                col_ytick_w,
                own_right,
                own_bottom,
                scene,
                legend,
            });
        }
        if !changed {
            return out;
        }
    }
}

fn has_off_entry(entries: &[(Sample, String)]) -> bool {
    entries.iter().any(|e| matches!(e.0, Sample::Off(_)))
}

impl Figure {
    /// Logical size (width, height) of the whole figure; the SVG has this size.
    pub fn logical_size(&self) -> (u32, u32) {
        let w = self.cols as u32 * self.panel_width;
        let h = self.rows as u32 * self.panel_height
            + title_band(self).ceil() as u32
            + caption_band(self).ceil() as u32;
        (w, h)
    }

    /// Pixel size (width, height) of the PNG.
    pub fn pixel_size(&self) -> (u32, u32) {
        let (w, h) = self.logical_size();
        (
            (f64::from(w) * self.dpi_scale).round() as u32,
            (f64::from(h) * self.dpi_scale).round() as u32,
        )
    }
}
