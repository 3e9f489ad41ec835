//! Exemplar: a static site generator that publishes the exemplary practices of demonstration sites.
//!
//! The pipeline reads top to bottom: [`config`] and [`content`] load and validate the site,
//! [`site`] builds the model every page renders from, [`render`] turns it into pages through the
//! theme's Tera templates and [`output`] writes them. [`pipeline`] runs the stages in that order;
//! [`cli`] is the only module that prints or decides exit codes.

// Diagnostics are the error type of most stages: they are rare (the error path) and carry the
// source line for display, so boxing them would buy nothing measurable.
#![allow(clippy::result_large_err)]

pub mod assets;
pub mod cli;
pub mod config;
pub mod content;
pub mod date;
pub mod diagnostics;
pub mod embedded;
pub mod freshness;
pub mod history;
pub mod i18n;
pub mod images;
pub mod markdown;
pub mod output;
pub mod output_lock;
pub mod pipeline;
pub mod publish;
pub mod render;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod site;
pub mod slug;
pub mod timings;
pub mod usage;
