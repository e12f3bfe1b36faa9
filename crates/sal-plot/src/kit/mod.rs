//! Small declarative plotting layer on top of plotters.
//!
//! A [`Figure`] is a grid of [`Panel`]s; each panel holds line, scatter, bar
//! and step series, shaded bands, a filled-contour heatmap with colorbar,
//! quiver arrows, reference lines and a legend. [`render`] draws the same
//! description to `stem.png` (antialiased by supersampling) and `stem.svg`.
//!
//! Sizes are in logical pixels: the figure is `cols * panel_width` wide and
//! `rows * panel_height` (plus a title band when [`Figure::title`] is set)
//! high; the PNG is multiplied by [`Figure::dpi_scale`], the SVG is not.
//! Text uses the embedded DejaVu Sans fonts.

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
