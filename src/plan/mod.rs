//! Planning: turning people, helpers and routes into evacuation plans. Pure, no I/O.

pub mod matching;
