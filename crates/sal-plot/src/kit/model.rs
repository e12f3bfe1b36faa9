//! The declarative description of a figure: panels, series, bands, heatmaps, arrows,
//! reference lines and legends (drawn by [`super::render`]).

use super::color::{Colormap, Rgb, palette};
use std::path::PathBuf;

/// Stroke/fill style of a series or reference line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    /// Colour.
    pub color: Rgb,
    /// Line width in logical pixels (bars: outline width, 0 = no outline).
    pub width: u32,
    /// Dashed line.
    pub dashed: bool,
    /// Opacity in [0, 1].
    pub alpha: f64,
}

impl Style {
    /// Solid, opaque, 2 px wide style in `color`.
    pub fn new(color: Rgb) -> Self {
        Style {
            color,
            width: 2,
            dashed: false,
            alpha: 1.0,
        }
    }

    /// Same style with another width.
    pub fn width(mut self, width: u32) -> Self {
        self.width = width;
        self
    }

    /// Same style, dashed.
    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }

    /// Same style with another opacity.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }
}

impl Default for Style {
    fn default() -> Self {
        Style::new(palette(0))
    }
}

/// One data series of a panel.
#[derive(Debug, Clone, PartialEq)]
pub enum Series {
    /// Polyline through `(x[i], y[i])`; a NaN (or, on a log axis, a
    /// non-positive) `y` breaks the line.
    Line {
        /// Abscissae.
        x: Vec<f64>,
        /// Ordinates.
        y: Vec<f64>,
        /// Line style.
        style: Style,
        /// Legend entry.
        label: Option<String>,
    },
    /// Filled circular markers.
    Scatter {
        /// Abscissae.
        x: Vec<f64>,
        /// Ordinates.
        y: Vec<f64>,
        /// Marker colour and opacity (`width`/`dashed` are ignored).
        style: Style,
        /// Marker diameter in logical pixels.
        size: u32,
        /// Legend entry.
        label: Option<String>,
    },
    /// Vertical bars of data width `width` centred on `x`, from 0 (or the
    /// bottom of a log axis) to `y`.
    Bars {
        /// Bar centres.
        x: Vec<f64>,
        /// Bar heights.
        y: Vec<f64>,
        /// Bar width in data units.
        width: f64,
        /// Fill colour/opacity; `width > 0` adds an opaque outline.
        style: Style,
        /// Legend entry.
        label: Option<String>,
    },
    /// Histogram outline: `y[i]` over `[edges[i], edges[i+1]]`, closed down
    /// to 0 at both ends on a linear axis.
    Step {
        /// Bin edges, `y.len() + 1` values.
        edges: Vec<f64>,
        /// Bin values.
        y: Vec<f64>,
        /// Line style.
        style: Style,
        /// Legend entry.
        label: Option<String>,
    },
}

/// Shaded area between two curves (e.g. an inter-quartile band).
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Abscissae.
    pub x: Vec<f64>,
    /// Lower curve.
    pub lower: Vec<f64>,
    /// Upper curve.
    pub upper: Vec<f64>,
    /// Fill colour.
    pub color: Rgb,
    /// Fill opacity in [0, 1].
    pub alpha: f64,
    /// Legend entry.
    pub label: Option<String>,
}

/// Filled-contour style heatmap of values on a rectilinear grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    /// Grid abscissae, strictly increasing, at least 2.
    pub x: Vec<f64>,
    /// Grid ordinates, strictly increasing, at least 2.
    pub y: Vec<f64>,
    /// Row-major values: `values[iy * x.len() + ix]` is the value at
    /// `(x[ix], y[iy])`; NaN cells are left blank.
    pub values: Vec<f64>,
    /// Number of discrete colour levels (e.g. 15).
    pub levels: usize,
    /// Colormap.
    pub colormap: Colormap,
    /// Value range mapped onto the colormap; `None` = data min/max
    /// (symmetric about 0 for diverging maps).
    pub range: Option<(f64, f64)>,
    /// Draw a colorbar with this label at the right of the panel.
    pub colorbar_label: Option<String>,
    /// `false`: one rectangle per grid point, cell edges at the midpoints
    /// between grid points. `true`: bilinear interpolation between grid
    /// points before quantising (smooth contour boundaries like matplotlib
    /// `contourf`, covering only the hull of the grid points).
    pub smooth: bool,
}

impl Heatmap {
    /// Heatmap with 15 Viridis levels, auto range, no colorbar, cells.
    pub fn new(x: Vec<f64>, y: Vec<f64>, values: Vec<f64>) -> Self {
        Heatmap {
            x,
            y,
            values,
            levels: 15,
            colormap: Colormap::Viridis,
            range: None,
            colorbar_label: None,
            smooth: false,
        }
    }
}

/// One quiver arrow: vector `(dx, dy)` (data units) attached at `(x, y)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arrow {
    /// Anchor abscissa.
    pub x: f64,
    /// Anchor ordinate.
    pub y: f64,
    /// Vector x component.
    pub dx: f64,
    /// Vector y component.
    pub dy: f64,
}

/// How arrow vectors are scaled to screen lengths.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ArrowScale {
    /// The longest arrow gets `fraction` of the smallest spacing between
    /// arrow anchors (like matplotlib `quiver` autoscaling; 0.9 is typical).
    Auto(f64),
    /// Each arrow spans `(k*dx, k*dy)` in data units.
    Fixed(f64),
}

/// Where an arrow is attached to its anchor point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrowPivot {
    /// The tail sits on the anchor.
    Tail,
    /// The middle of the arrow sits on the anchor.
    Middle,
}

/// Common style of a panel's arrows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArrowStyle {
    /// Arrow colour.
    pub color: Rgb,
    /// Shaft width in logical pixels.
    pub width: f64,
    /// Vector-to-screen scaling.
    pub scale: ArrowScale,
    /// Attachment point.
    pub pivot: ArrowPivot,
}

impl Default for ArrowStyle {
    fn default() -> Self {
        ArrowStyle {
            color: Rgb(0x20, 0x20, 0x20),
            width: 1.2,
            scale: ArrowScale::Auto(0.9),
            pivot: ArrowPivot::Middle,
        }
    }
}

/// Horizontal or vertical reference line across the whole panel.
#[derive(Debug, Clone, PartialEq)]
pub struct RefLine {
    /// Position in data units.
    pub at: f64,
    /// Line style.
    pub style: Style,
    /// Legend entry.
    pub label: Option<String>,
}

/// Preferred legend placement.
///
/// The legend never covers a drawn mark (data point, line segment, band, bar, arrow, heatmap
/// cell, reference line, off-scale marker): the preferred position is taken when it is free,
/// else the first free one of the corners, the top/bottom centre and the left/right middle;
/// when none is free (e.g. over a heatmap) the legend moves outside the axes, to the right
/// of the plot (and its colorbar), and the plot narrows to make room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegendPos {
    /// Top left corner.
    UpperLeft,
    /// Top right corner.
    UpperRight,
    /// Bottom left corner.
    LowerLeft,
    /// Bottom right corner.
    LowerRight,
    /// Any free position (upper right first).
    Best,
    /// Always outside the axes, right of the plot.
    Outside,
}

/// Extra x axis along the top of a panel showing `value * scale`.
#[derive(Debug, Clone, PartialEq)]
pub struct SecondaryAxis {
    /// Axis label.
    pub label: String,
    /// Factor from the bottom-axis value to the top-axis value (non-zero).
    pub scale: f64,
}

/// One set of axes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Panel {
    /// Title above the plot.
    pub title: Option<String>,
    /// Bold panel tag at the top-left corner ("A", "B", ...).
    pub tag: Option<String>,
    /// Bottom axis label.
    pub x_label: String,
    /// Left axis label.
    pub y_label: String,
    /// x range; `None` = auto from the data with a 5 % margin (exactly the
    /// heatmap extent when there is a heatmap).
    pub x_range: Option<(f64, f64)>,
    /// y range; `None` = auto like `x_range`.
    pub y_range: Option<(f64, f64)>,
    /// Logarithmic x axis (non-positive values are skipped).
    pub log_x: bool,
    /// Logarithmic y axis (non-positive values are skipped).
    pub log_y: bool,
    /// Data series. Drawing order (z-order) is fixed by the kit so that no series can hide
    /// another unnoticed: area marks (bands, bars) first, then solid lines and steps from the
    /// widest to the narrowest, then dashed lines (reference lines included, so a dashed line
    /// over a solid one shows both), then scatter markers, then the marks of values off the
    /// scale. A line or step that later lines still cover (≥ 60 % of its length) gets ringed
    /// markers in its colour on top of everything, staggered between hidden series, and the
    /// same marker in its legend sample.
    ///
    /// Values that the axis cannot show are marked, never dropped silently: +∞ (and values
    /// above an explicit range are clipped as usual) as a ▲ at the top edge, −∞ and — on a
    /// log axis — zero or negative values as a ▼ at the bottom edge, each with a legend
    /// entry ([`Panel::top_mark_label`], [`Panel::bottom_mark_label`]). NaN means "no value"
    /// and breaks lines. A vertical segment (error bar) reaching an off-scale end is drawn to
    /// the edge.
    pub series: Vec<Series>,
    /// Shaded bands, drawn below the series.
    pub bands: Vec<Band>,
    /// Heatmap, drawn first (its cells count as drawn marks: a legend over a heatmap moves
    /// outside the axes).
    pub heatmap: Option<Heatmap>,
    /// Quiver arrows, drawn above bands and below series.
    pub arrows: Vec<Arrow>,
    /// Arrow style and scaling.
    pub arrow_style: ArrowStyle,
    /// Horizontal reference lines.
    pub hlines: Vec<RefLine>,
    /// Vertical reference lines.
    pub vlines: Vec<RefLine>,
    /// Legend position; `None` = no legend.
    pub legend: Option<LegendPos>,
    /// Explicit bottom-axis ticks (position, label).
    pub x_ticks: Option<Vec<(f64, String)>>,
    /// Explicit left-axis ticks (position, label).
    pub y_ticks: Option<Vec<(f64, String)>>,
    /// Top axis with rescaled tick values.
    pub secondary_x: Option<SecondaryAxis>,
    /// Light grid lines at the major ticks.
    pub grid: bool,
    /// Auto x ticks only at whole numbers (epochs, counts).
    pub x_integer: bool,
    /// Legend text of the ▲ marks at the top edge for +∞ values (default "+∞").
    pub top_mark_label: Option<String>,
    /// Legend text of the ▼ marks at the bottom edge for −∞ values and, on a log axis, zero
    /// or negative values (default "≤ 0 (not on the log axis)", or "−∞").
    pub bottom_mark_label: Option<String>,
}

/// A grid of panels written to PNG and SVG by [`render`](super::render).
///
/// Every multi-panel figure carries panel letters: a panel without a [`Panel::tag`] gets
/// the letter of its position in reading order (A, B, C, …, skipping letters that other
/// panels use as tags).
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Figure title (adds a band above the panels).
    pub title: Option<String>,
    /// Caption paragraphs drawn under the panels (wrapped to the figure width): what was
    /// omitted and why, what the marks mean, where the noise comes from. Also written to the
    /// figure's layout file.
    pub caption: Vec<String>,
    /// Number of panel rows.
    pub rows: usize,
    /// Number of panel columns.
    pub cols: usize,
    /// Width of one panel in logical pixels.
    pub panel_width: u32,
    /// Height of one panel in logical pixels.
    pub panel_height: u32,
    /// Panels in row-major order, at most `rows * cols`.
    pub panels: Vec<Panel>,
    /// PNG pixels per logical pixel (e.g. 2.0 for print); SVG is unaffected.
    pub dpi_scale: f64,
    /// Multiplier for all font sizes (1.0: 12.5 px tick labels).
    pub font_scale: f64,
}

impl Default for Figure {
    fn default() -> Self {
        Figure {
            title: None,
            caption: Vec::new(),
            rows: 1,
            cols: 1,
            panel_width: 480,
            panel_height: 360,
            panels: Vec::new(),
            dpi_scale: 1.0,
            font_scale: 1.0,
        }
    }
}

/// Errors of [`render`](super::render).
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// A file or directory could not be created or written.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The drawing backend failed.
    #[error("failed to render {}: {message}", path.display())]
    Render {
        /// The output file.
        path: PathBuf,
        /// Backend error message.
        message: String,
    },
    /// Two arrays that must have matching lengths do not.
    #[error("{context}: `{field}` has {found} values, expected {expected}")]
    LengthMismatch {
        /// Which element ("panel 1, series 0").
        context: String,
        /// Which field.
        field: &'static str,
        /// Expected length.
        expected: usize,
        /// Actual length.
        found: usize,
    },
    /// An axis is to be auto-scaled but there is no usable data.
    #[error("{context}: no finite data to auto-scale the {axis} axis; set an explicit range")]
    NoData {
        /// Which panel.
        context: String,
        /// "x" or "y".
        axis: &'static str,
    },
    /// An axis or colour range is empty, reversed, non-finite or not positive
    /// on a log axis.
    #[error("{context}: invalid range ({lo}, {hi})")]
    InvalidRange {
        /// Which element.
        context: String,
        /// Lower end.
        lo: f64,
        /// Upper end.
        hi: f64,
    },
    /// Any other malformed input.
    #[error("{context}: {message}")]
    Invalid {
        /// Which element.
        context: String,
        /// What is wrong.
        message: String,
    },
}
