//! Small declarative plotting layer on top of plotters.
//!
//! A [`Figure`] is a grid of [`Panel`]s; each panel holds line, scatter, bar
//! and step series, shaded bands, a filled-contour heatmap with colorbar,
//! quiver arrows, reference lines and a legend. [`render`] draws the same
//! description to `stem.png` (antialiased by supersampling) and `stem.svg`.
//!
//! Sizes are in logical pixels: the figure is `cols * panel_width` wide and
//! `rows * panel_height` (plus a title band when [`Figure::title`] is set, and a
//! caption band for [`Figure::caption`]) high; the PNG is multiplied by
//! [`Figure::dpi_scale`], the SVG is not. Text uses the embedded DejaVu Sans fonts.
//!
//! What the kit guarantees, so that a figure can be trusted at a glance:
//!
//! * a legend never covers a drawn mark ([`LegendPos`]): it takes the first free corner or
//!   edge middle, else goes outside the axes (right of the plot, or below it when wide);
//! * no line hides under another unnoticed: a fixed z-order (solid lines from wide to
//!   narrow, then dashed lines, then markers, see [`Panel::series`]), and a line still
//!   covered by later ones gets ringed markers in its colour, also in its legend sample;
//! * values the axis cannot show are marked at the edge (▲ +∞, ▼ 0 or −∞ on a log axis) with a
//!   legend entry; a line point between two missing values is a dot;
//! * every log axis labels at least three ticks, all in one format (decimals, or m×10ⁿ);
//! * every panel of a multi-panel figure has a letter;
//! * [`helpers`]: ticks in a unit ([`unit_ticks`], e.g. t_ref), distributions over runs as
//!   points with a box only from 5 runs ([`distribution`]), numbers for titles
//!   ([`format_value`]).
//!
//! [`render`] also writes the computed layout ([`FigureLayout`]: axes, drawn tick labels,
//! legend boxes, hidden lines, off-scale marks, caption and the problems found) to
//! `<stem>.layout.json`; [`layout_of`] returns it without drawing; [`render_strict`] refuses
//! a figure with problems (too few log labels, tick units the axis label does not name, a
//! legend over marks).

// The kit is a self-contained library; not every helper or variant is used by every figure.
#![allow(dead_code)]

mod canvas;
pub mod color;
mod draw;
mod geom;
pub mod helpers;
pub mod info;
mod layout;
pub mod model;
mod output;
mod prepare;
mod scene;
mod ticks;

#[cfg(test)]
mod acceptance;
#[cfg(test)]
mod tests;

pub use color::{Colormap, Rgb, colormap_rgb, palette};
pub use helpers::{distribution, format_value, unit_ticks};
pub use info::{FigureLayout, layout_of};
pub use model::*;
pub use output::{render, render_strict};
