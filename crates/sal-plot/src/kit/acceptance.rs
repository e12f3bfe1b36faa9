//! Acceptance tests of the kit's guarantees on synthetic data, checked from the computed
//! layout (and, for visibility, from the pixels): legends never cover data, a series
//! identical to another stays visible, log axes label at least three ticks in one format,
//! values off the scale are marked.

use super::info::FigureLayout;
use super::output::render_rgb;
use super::*;

const W: f64 = 10.0;

/// Screen position of a data point in a panel with linear axes of range [0, W] × [0, W].
fn screen(plot: [f64; 4], x: f64, y: f64) -> (f64, f64) {
    (
        plot[0] + x / W * (plot[2] - plot[0]),
        plot[3] - y / W * (plot[3] - plot[1]),
    )
}

fn inside(r: [f64; 4], p: (f64, f64), grow: f64) -> bool {
    p.0 >= r[0] - grow && p.0 <= r[2] + grow && p.1 >= r[1] - grow && p.1 <= r[3] + grow
}

/// Data crowded into one corner: a 9×9 block of markers, a zig-zag line through the block
/// and a band under it, filling the quarter of the axes at that corner.
type Points = Vec<(f64, f64)>;

fn crowded(corner: (bool, bool)) -> (Points, Points) {
    let (right, top) = corner;
    let map = |u: f64, v: f64| (if right { W - u } else { u }, if top { W - v } else { v });
    let mut pts = Vec::new();
    for i in 0..9 {
        for j in 0..9 {
            pts.push(map(0.2 + 0.5 * f64::from(i), 0.2 + 0.5 * f64::from(j)));
        }
    }
    let line = (0..=12)
        .map(|k| map(0.35 * f64::from(k), if k % 2 == 0 { 0.3 } else { 4.2 }))
        .collect();
    (pts, line)
}

fn corner_panel(pts: &[(f64, f64)], line: &[(f64, f64)], pref: LegendPos) -> Panel {
    Panel {
        x_range: Some((0.0, W)),
        y_range: Some((0.0, W)),
        series: vec![
            Series::Scatter {
                x: pts.iter().map(|p| p.0).collect(),
                y: pts.iter().map(|p| p.1).collect(),
                style: Style::new(palette(0)),
                size: 6,
                label: Some("points".into()),
            },
            Series::Line {
                x: line.iter().map(|p| p.0).collect(),
                y: line.iter().map(|p| p.1).collect(),
                style: Style::new(palette(1)),
                label: Some("a line through them".into()),
            },
        ],
        legend: Some(pref),
        ..Default::default()
    }
}

/// No data point (marker disc) and no line segment (stroke) of the panel lies in its legend
/// box: checked by sampling every segment every 0.25 px.
fn assert_legend_clear(lay: &FigureLayout, pts: &[(f64, f64)], line: &[(f64, f64)], what: &str) {
    let p = &lay.panels[0];
    let legend = p.legend.as_ref().expect("legend drawn");
    let rect = legend.rect;
    for &(x, y) in pts {
        let q = screen(p.plot, x, y);
        assert!(
            !inside(rect, q, 3.0),
            "{what}: point {q:?} under legend {rect:?}"
        );
    }
    for w in line.windows(2) {
        let (a, b) = (
            screen(p.plot, w[0].0, w[0].1),
            screen(p.plot, w[1].0, w[1].1),
        );
        let n = ((b.0 - a.0).hypot(b.1 - a.1) * 4.0).ceil() as usize;
        for k in 0..=n {
            let t = k as f64 / n.max(1) as f64;
            let q = (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1));
            assert!(
                !inside(rect, q, 1.0),
                "{what}: line point {q:?} under legend {rect:?}"
            );
        }
    }
    assert_eq!(legend.marks_under, 0, "{what}");
    assert!(lay.problems.is_empty(), "{what}: {:?}", lay.problems);
}

#[test]
fn legend_never_covers_data_crowded_into_any_corner() {
    for corner in [(false, false), (false, true), (true, false), (true, true)] {
        let (pts, line) = crowded(corner);
        for pref in [
            LegendPos::Best,
            LegendPos::UpperLeft,
            LegendPos::UpperRight,
            LegendPos::LowerLeft,
            LegendPos::LowerRight,
        ] {
            let fig = Figure {
                panels: vec![corner_panel(&pts, &line, pref)],
                ..Default::default()
            };
            let lay = layout_of(&fig).expect("layout");
            let what = format!("data in corner {corner:?}, preference {pref:?}");
            assert_legend_clear(&lay, &pts, &line, &what);
            assert!(!lay.panels[0].legend.as_ref().unwrap().outside, "{what}");
        }
    }
}

#[test]
fn legend_moves_outside_when_no_corner_is_free() {
    // Data in all four corners and along both middles.
    let mut pts = Vec::new();
    let mut line = Vec::new();
    for corner in [(false, false), (false, true), (true, false), (true, true)] {
        let (p, _) = crowded(corner);
        pts.extend(p);
    }
    for k in 0..=40 {
        let x = W * f64::from(k) / 40.0;
        line.push((x, if k % 2 == 0 { 2.0 } else { 8.0 }));
    }
    let fig = Figure {
        panels: vec![corner_panel(&pts, &line, LegendPos::UpperRight)],
        ..Default::default()
    };
    let lay = layout_of(&fig).expect("layout");
    let p = &lay.panels[0];
    let legend = p.legend.as_ref().unwrap();
    assert!(legend.outside, "no free corner: the legend goes outside");
    assert!(
        legend.rect[0] >= p.plot[2],
        "outside legend right of the plot"
    );
    assert!(
        legend.rect[2] <= f64::from(lay.size[0]),
        "and inside the figure"
    );
    assert_legend_clear(&lay, &pts, &line, "all corners crowded");
    // A heatmap covers the whole plot: its legend goes outside too.
    let fig = Figure {
        panels: vec![Panel {
            heatmap: Some(Heatmap::new(
                vec![0.0, 1.0, 2.0],
                vec![0.0, 1.0],
                vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            )),
            series: vec![Series::Line {
                x: vec![0.0, 2.0],
                y: vec![0.0, 1.0],
                style: Style::new(Rgb::WHITE),
                label: Some("diagonal".into()),
            }],
            legend: Some(LegendPos::LowerRight),
            ..Default::default()
        }],
        ..Default::default()
    };
    let lay = layout_of(&fig).expect("layout");
    assert!(lay.panels[0].legend.as_ref().unwrap().outside);
    assert!(lay.problems.is_empty(), "{:?}", lay.problems);
}

/// Pixels within the plot area of colour `c` (±24 per channel).
fn pixels_of(fig: &Figure, c: Rgb) -> usize {
    let lay = layout_of(fig).expect("layout");
    let (w, _, buf) = render_rgb(fig).expect("render");
    let p = lay.panels[0].plot;
    let mut n = 0;
    for y in p[1].ceil() as usize..p[3].floor() as usize {
        for x in p[0].ceil() as usize..p[2].floor() as usize {
            let i = (y * w as usize + x) * 3;
            let d = |k: usize, v: u8| buf[i + k].abs_diff(v) <= 24;
            if d(0, c.0) && d(1, c.1) && d(2, c.2) {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn a_series_identical_to_another_stays_visible() {
    let x: Vec<f64> = (0..200).map(|i| f64::from(i) * 0.05).collect();
    let y: Vec<f64> = x.iter().map(|v| v.sin()).collect();
    let (first, second) = (Rgb::hex(0xd62728), Rgb::hex(0x1f77b4));
    let mk = |s1: Series, s2: Series| Figure {
        panels: vec![Panel {
            series: vec![s1, s2],
            legend: Some(LegendPos::Best),
            ..Default::default()
        }],
        ..Default::default()
    };
    let line = |c: Rgb, label: &str| Series::Line {
        x: x.clone(),
        y: y.clone(),
        style: Style::new(c),
        label: Some(label.into()),
    };
    // Two identical solid lines of equal width: the first is drawn over by the second.
    let fig = mk(line(first, "first"), line(second, "second"));
    let lay = layout_of(&fig).expect("layout");
    let hidden = &lay.panels[0].hidden_lines;
    assert_eq!(hidden.len(), 1, "{hidden:?}");
    assert_eq!((hidden[0].kind, hidden[0].index), ("series", 0));
    assert!(hidden[0].markers >= 5, "{hidden:?}");
    let n = pixels_of(&fig, first);
    assert!(n >= 60, "the covered series shows {n} pixels of its colour");
    // A wide line under a narrow identical one shows around it: not hidden.
    let wide = Series::Line {
        x: x.clone(),
        y: y.clone(),
        style: Style::new(first).width(5),
        label: Some("wide".into()),
    };
    let fig = mk(wide, line(second, "narrow"));
    assert!(layout_of(&fig).unwrap().panels[0].hidden_lines.is_empty());
    // A dashed line on a solid line of its own colour cannot be told apart: it is marked.
    let dashed = Series::Line {
        x: x.clone(),
        y: y.clone(),
        style: Style::new(second).dashed(),
        label: Some("dashed".into()),
    };
    let lay = layout_of(&mk(line(second, "solid"), dashed)).unwrap();
    let hidden = &lay.panels[0].hidden_lines;
    assert_eq!(hidden.len(), 1, "{hidden:?}");
    assert_eq!(hidden[0].label.as_deref(), Some("dashed"));
    // Identical histograms (steps).
    let step = |c: Rgb| Series::Step {
        edges: (0..=10).map(f64::from).collect(),
        y: (0..10).map(|i| f64::from(i % 4)).collect(),
        style: Style::new(c),
        label: Some("h".into()),
    };
    let fig = mk(step(first), step(second));
    assert_eq!(layout_of(&fig).unwrap().panels[0].hidden_lines.len(), 1);
    assert!(pixels_of(&fig, first) >= 30);
    // A dashed reference line on a solid series of the same value stays visible (dashed
    // lines are drawn above solid ones).
    let grey = Rgb(0x80, 0x80, 0x80);
    let fig = Figure {
        panels: vec![Panel {
            series: vec![Series::Line {
                x: vec![0.0, 10.0],
                y: vec![1.5, 1.5],
                style: Style::new(second),
                label: Some("fixed weight".into()),
            }],
            hlines: vec![RefLine {
                at: 1.5,
                style: Style::new(grey).dashed(),
                label: Some("its value".into()),
            }],
            y_range: Some((0.0, 2.0)),
            legend: Some(LegendPos::Best),
            ..Default::default()
        }],
        ..Default::default()
    };
    assert!(pixels_of(&fig, grey) >= 100);
    assert!(pixels_of(&fig, second) >= 100);
}

/// Whether a tick label is a plain decimal ("0.05", "−2", "120").
fn plain(l: &str) -> bool {
    !l.is_empty()
        && l.trim_start_matches('−')
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.')
}

/// Whether a tick label is a power of ten with optional mantissa ("10⁻³", "2×10⁻³").
fn pow10(l: &str) -> bool {
    let rest = match l.split_once('×') {
        Some((m, r)) => {
            if !plain(m) {
                return false;
            }
            r
        }
        None => l,
    };
    rest.starts_with("10") && rest[2..].chars().all(|c| "⁻⁰¹²³⁴⁵⁶⁷⁸⁹".contains(c))
}

#[test]
fn log_axes_label_three_ticks_in_one_format() {
    let ranges = [
        (1e-9, 1.0),
        (1e-4, 1e-1),
        (3e-3, 3e-2),
        (4e-3, 0.15),
        (2e-3, 0.3),
        (0.0145, 0.0155),
        (0.04, 0.18),
        (0.9, 1.3),
        (5e-4, 2e-3),
        (1e-7, 3e-7),
        (12.0, 3400.0),
        (0.3, 31.0),
    ];
    for (lo, hi) in ranges {
        for (pw, ph) in [(200, 160), (480, 360), (900, 300)] {
            let fig = Figure {
                panel_width: pw,
                panel_height: ph,
                panels: vec![Panel {
                    x_range: Some((lo, hi)),
                    y_range: Some((lo, hi)),
                    log_x: true,
                    log_y: true,
                    ..Default::default()
                }],
                ..Default::default()
            };
            let lay = layout_of(&fig).expect("layout");
            for a in [&lay.panels[0].x, &lay.panels[0].y] {
                let labels: Vec<&str> = a.labels.iter().map(|t| t.label.as_str()).collect();
                let what = format!("[{lo}, {hi}] on {pw}×{ph}: {labels:?}");
                assert!(labels.len() >= 3, "{what}");
                assert!(
                    labels.iter().all(|l| plain(l)) || labels.iter().all(|l| pow10(l)),
                    "mixed formats: {what}"
                );
                for t in &a.labels {
                    assert!(
                        t.at >= lo * (1.0 - 1e-9) && t.at <= hi * (1.0 + 1e-9),
                        "{what}"
                    );
                }
            }
            assert!(lay.problems.is_empty(), "{:?}", lay.problems);
        }
    }
}

#[test]
fn values_off_the_scale_are_marked_with_a_legend_entry() {
    let fig = Figure {
        panels: vec![Panel {
            log_y: true,
            series: vec![
                Series::Line {
                    x: vec![0.0, 1.0, 2.0, 3.0],
                    y: vec![0.5, f64::INFINITY, 0.2, 0.1],
                    style: Style::new(palette(0)),
                    label: Some("D_KL".into()),
                },
                Series::Line {
                    x: vec![0.0, 1.0, 2.0, 3.0],
                    y: vec![0.0, 0.0, 1e-3, 1e-2],
                    style: Style::new(palette(1)),
                    label: Some("asymmetry".into()),
                },
            ],
            top_mark_label: Some("+∞ (state never sampled)".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    let lay = layout_of(&fig).expect("layout");
    let p = &lay.panels[0];
    assert_eq!(p.marks_above, 1);
    assert_eq!(p.marks_below, 2);
    // 0.5 lies between the start and +∞: a dot, not lost
    assert_eq!(p.lone_points, 1);
    let entries = &p
        .legend
        .as_ref()
        .expect("a legend explains the marks")
        .entries;
    assert!(entries.contains(&"+∞ (state never sampled)".to_string()));
    assert!(entries.iter().any(|e| e.starts_with("≤ 0")));
}

#[test]
fn tick_units_must_match_the_axis_label() {
    let mk = |label: &str| Figure {
        panels: vec![Panel {
            x_label: label.into(),
            x_ticks: Some(vec![(0.0, "0".into()), (40.0, "t_ref".into())]),
            series: vec![Series::Line {
                x: vec![0.0, 80.0],
                y: vec![0.0, 1.0],
                style: Style::default(),
                label: None,
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let lay = layout_of(&mk("Δ [steps]")).unwrap();
    assert_eq!(lay.problems.len(), 1, "{:?}", lay.problems);
    assert!(lay.problems[0].contains("t_ref"));
    let dir = std::env::temp_dir().join(format!("sal-plot-units-{}", std::process::id()));
    let err = render_strict(&mk("Δ [steps]"), &dir.join("f")).expect_err("refused");
    assert!(err.to_string().contains("does not say t_ref"), "{err}");
    assert!(!dir.join("f.png").exists(), "nothing drawn");
    assert!(layout_of(&mk("Δ [t_ref]")).unwrap().problems.is_empty());
    // unit_ticks labels in the unit, so the axis label carries it
    let t = unit_ticks(0.0, 79.0, 40.0);
    let labels: Vec<&str> = t.iter().map(|t| t.1.as_str()).collect();
    assert_eq!(labels, ["0", "0.5", "1", "1.5"]);
    assert_eq!(t[2].0, 40.0);
}

#[test]
fn every_panel_of_a_multi_panel_figure_has_a_letter() {
    let p = || Panel {
        x_range: Some((0.0, 1.0)),
        y_range: Some((0.0, 1.0)),
        ..Default::default()
    };
    let fig = Figure {
        rows: 1,
        cols: 3,
        panels: vec![
            p(),
            Panel {
                tag: Some("A".into()),
                ..p()
            },
            p(),
        ],
        ..Default::default()
    };
    let lay = layout_of(&fig).unwrap();
    let tags: Vec<_> = lay.panels.iter().map(|p| p.tag.clone().unwrap()).collect();
    assert_eq!(tags, ["B", "A", "C"]);
    let one = Figure {
        panels: vec![p()],
        ..Default::default()
    };
    assert_eq!(layout_of(&one).unwrap().panels[0].tag, None);
}

#[test]
fn distributions_show_boxes_only_from_five_runs() {
    let four = distribution(0.0, &[1.0, 2.0, 3.0, 4.0], palette(0), None);
    assert_eq!(four.len(), 1, "points only");
    assert!(matches!(four[0], Series::Scatter { .. }));
    let five = distribution(0.0, &[1.0, 2.0, 3.0, 4.0, 5.0], palette(0), None);
    assert_eq!(five.len(), 2, "box and points");
    assert_eq!(format_value(1.2109e-5), "1.21×10⁻⁵");
    assert_eq!(format_value(0.01534), "0.0153");
    assert_eq!(format_value(2.0), "2");
}
