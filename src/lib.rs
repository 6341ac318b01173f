//! mimamori drafts individual evacuation plans (個別避難計画) for people who cannot evacuate
//! alone, from the watch-over records districts already keep, and tests them in drills.
//!
//! The core (`model`, `spatial`, `network`, `plan`, `synth`, `report`) does no I/O; `io` reads
//! and writes files and `render` turns domain values into HTML and SVG. See
//! `docs/architecture.md`.

pub mod drill;
pub mod export;
pub mod io;
pub mod model;
pub mod network;
pub mod plan;
pub mod recruit;
pub mod render;
pub mod report;
pub mod rng;
pub mod serve;
pub mod share;
pub mod spatial;
pub mod store;
pub mod synth;
