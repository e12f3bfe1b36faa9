//! The computed layout of a figure, as data: axes with their drawn tick labels, legend boxes
//! and what they cover, hidden and off-scale marks, the caption. [`render`](super::render)
//! writes it next to the images as `<stem>.layout.json`; [`layout_of`] returns it without
//! drawing. Tests (and scripts) check figures from it instead of by eye.

use serde::Serialize;

use super::canvas::Fonts;
use super::draw::{drawn_x_labels, drawn_y_labels};
use super::geom::Mapper;
use super::geom::Rect;
use super::layout::{PanelLayout, caption_lines, layout};
use super::model::{Figure, PlotError};
use super::prepare::{prepare_all, tick_unit_problem};
use super::scene::{LineSrc, marks_under};
use super::ticks::{MIN_LOG_LABELS, Scale, Tick, TickSet};

/// A rectangle in logical pixels: `[x0, y0, x1, y1]`, y pointing down.
pub type Bounds = [f64; 4];

fn bounds(r: &Rect) -> Bounds {
    [r.x0, r.y0, r.x1, r.y1]
}

/// One labelled tick.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TickLabel {
    /// Position in data units.
    pub at: f64,
    /// The text drawn.
    pub label: String,
}

/// One axis as drawn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AxisLayout {
    /// Axis label.
    pub label: String,
    /// Logarithmic.
    pub log: bool,
    /// Visible range (data units).
    pub range: [f64; 2],
    /// The tick labels actually drawn (colliding ones are skipped), in axis order.
    pub labels: Vec<TickLabel>,
    /// Number of unlabelled (minor) ticks.
    pub minor_ticks: usize,
    /// A common multiplier shown with the labels ("×10⁻³").
    pub multiplier: Option<String>,
}

/// A legend as drawn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LegendLayout {
    /// The box.
    pub rect: Bounds,
    /// Outside the axes (no free place inside).
    pub outside: bool,
    /// Entry texts, in order.
    pub entries: Vec<String>,
    /// Drawn marks of the panel that touch the box (0 for every legend the kit places).
    pub marks_under: usize,
}

/// A line the kit found hidden under later lines (drawn with ringed markers).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HiddenLine {
    /// `series`, `hline` or `vline`.
    pub kind: &'static str,
    /// Index in that list of the panel.
    pub index: usize,
    /// Its legend label, if any.
    pub label: Option<String>,
    /// Number of markers drawn on it.
    pub markers: usize,
}

/// One panel as drawn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PanelLayoutInfo {
    /// Panel index (row-major).
    pub index: usize,
    /// The panel letter drawn.
    pub tag: Option<String>,
    /// Panel title.
    pub title: Option<String>,
    /// The plot area.
    pub plot: Bounds,
    /// Bottom axis.
    pub x: AxisLayout,
    /// Left axis.
    pub y: AxisLayout,
    /// Top axis, if any.
    pub top: Option<AxisLayout>,
    /// The legend, if drawn.
    pub legend: Option<LegendLayout>,
    /// Lines drawn with markers because later lines cover them.
    pub hidden_lines: Vec<HiddenLine>,
    /// ▲ marks at the top edge (+∞ values).
    pub marks_above: usize,
    /// ▼ marks at the bottom edge (−∞, or ≤ 0 on a log axis).
    pub marks_below: usize,
    /// Points of lines drawn as dots because neither neighbour is drawable.
    pub lone_points: usize,
    /// Number of drawn marks (segments, markers, bars, band polygons, arrows, heatmap).
    pub drawn_marks: usize,
}

/// A whole figure as drawn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureLayout {
    /// Logical size (width, height); the SVG has this size.
    pub size: [u32; 2],
    /// Figure title.
    pub title: Option<String>,
    /// Caption paragraphs.
    pub caption: Vec<String>,
    /// Caption as wrapped and drawn.
    pub caption_lines: Vec<String>,
    /// The panels.
    pub panels: Vec<PanelLayoutInfo>,
    /// What a reader could misread, found by the kit (empty for a sound figure): a log axis
    /// with fewer than three labelled ticks, tick labels in a unit the axis label does not
    /// name, a legend over drawn marks. [`render_strict`](super::render_strict) refuses to
    /// draw a figure with problems.
    pub problems: Vec<String>,
}

fn axis(label: &str, s: &Scale, t: &TickSet, drawn: Vec<&Tick>) -> AxisLayout {
    AxisLayout {
        label: label.to_string(),
        log: s.log,
        range: [s.lo, s.hi],
        labels: drawn
            .into_iter()
            .map(|t| TickLabel {
                at: t.at,
                label: t.label.clone(),
            })
            .collect(),
        minor_ticks: t.ticks.iter().filter(|t| !t.major).count(),
        multiplier: t.multiplier.clone(),
    }
}

pub(super) fn describe(
    fig: &Figure,
    prepared: &[super::prepare::Prepared<'_>],
    layouts: &[PanelLayout],
    f: &Fonts,
) -> FigureLayout {
    let panels: Vec<PanelLayoutInfo> = prepared
        .iter()
        .zip(layouts)
        .enumerate()
        .map(|(i, (p, l))| {
            let m = Mapper {
                xs: p.xs,
                ys: p.ys,
                r: l.plot,
            };
            let panel = p.panel;
            let top = match (&l.ticks.top, &panel.secondary_x) {
                (Some(tt), Some(sec)) => {
                    let ts = Scale {
                        lo: p.xs.lo * sec.scale,
                        hi: p.xs.hi * sec.scale,
                        log: p.xs.log,
                    };
                    Some(axis(&sec.label, &ts, tt, drawn_x_labels(tt, &m, f.tick)))
                }
                _ => None,
            };
            let hidden_lines = l
                .scene
                .lines
                .iter()
                .filter(|li| li.hidden)
                .zip(&l.scene.hidden_marks)
                .map(|(li, (_, pts))| {
                    let (kind, index, label) = match li.src {
                        LineSrc::Series(k) => (
                            "series",
                            k,
                            match &panel.series[k] {
                                super::model::Series::Line { label, .. }
                                | super::model::Series::Step { label, .. } => label.clone(),
                                _ => None,
                            },
                        ),
                        LineSrc::HLine(k) => ("hline", k, panel.hlines[k].label.clone()),
                        LineSrc::VLine(k) => ("vline", k, panel.vlines[k].label.clone()),
                    };
                    HiddenLine {
                        kind,
                        index,
                        label,
                        markers: pts.len(),
                    }
                })
                .collect();
            PanelLayoutInfo {
                index: i,
                tag: p.tag.clone(),
                title: panel.title.clone(),
                plot: bounds(&l.plot),
                x: axis(
                    &panel.x_label,
                    &p.xs,
                    &l.ticks.x,
                    drawn_x_labels(&l.ticks.x, &m, f.tick),
                ),
                y: axis(
                    &panel.y_label,
                    &p.ys,
                    &l.ticks.y,
                    drawn_y_labels(&l.ticks.y, &m),
                ),
                top,
                legend: l.legend.as_ref().map(|lp| LegendLayout {
                    rect: bounds(&lp.rect),
                    outside: lp.outside,
                    entries: lp.entries.iter().map(|e| e.1.clone()).collect(),
                    marks_under: marks_under(&lp.rect, &l.scene.shapes),
                }),
                hidden_lines,
                marks_above: l.scene.off.iter().filter(|o| o.up).count(),
                marks_below: l.scene.off.iter().filter(|o| !o.up).count(),
                lone_points: l.scene.dots.len(),
                drawn_marks: l.scene.shapes.len(),
            }
        })
        .collect();
    let problems = problems(&panels, prepared);
    let (w, h) = fig.logical_size();
    FigureLayout {
        size: [w, h],
        title: fig.title.clone(),
        caption: fig.caption.clone(),
        caption_lines: caption_lines(fig),
        panels,
        problems,
    }
}

fn problems(panels: &[PanelLayoutInfo], prepared: &[super::prepare::Prepared<'_>]) -> Vec<String> {
    let mut out = Vec::new();
    for (info, p) in panels.iter().zip(prepared) {
        let name = match (&info.tag, &info.title) {
            (Some(t), _) => format!("panel {t}"),
            (None, Some(t)) => format!("panel \"{t}\""),
            (None, None) => format!("panel {}", info.index),
        };
        for (axis, a) in [
            ("x", Some(&info.x)),
            ("y", Some(&info.y)),
            ("top", info.top.as_ref()),
        ] {
            if let Some(a) = a
                && a.log
                && a.labels.len() < MIN_LOG_LABELS
            {
                out.push(format!(
                    "{name}: log {axis} axis has {} labelled tick(s), fewer than {MIN_LOG_LABELS}",
                    a.labels.len()
                ));
            }
        }
        for (axis, ticks, label) in [
            ("x", &p.panel.x_ticks, &p.panel.x_label),
            ("y", &p.panel.y_ticks, &p.panel.y_label),
        ] {
            if let Some(t) = ticks
                && let Some(why) = tick_unit_problem(label, t)
            {
                out.push(format!("{name}: {axis} axis: {why}"));
            }
        }
        if let Some(l) = &info.legend
            && l.marks_under > 0
        {
            out.push(format!(
                "{name}: the legend covers {} drawn mark(s)",
                l.marks_under
            ));
        }
    }
    out
}

/// The layout of `fig` as [`render`](super::render) draws it, without drawing.
pub fn layout_of(fig: &Figure) -> Result<FigureLayout, PlotError> {
    let prepared = prepare_all(fig)?;
    let f = Fonts::new(fig.font_scale);
    let layouts = layout(fig, &prepared, &f);
    Ok(describe(fig, &prepared, &layouts, &f))
}
