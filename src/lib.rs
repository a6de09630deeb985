//! maillint: a linter and fixer for the mail configuration of cPanel & WHM servers running Exim.
//!
//! Data flows one way: `tree` (safe reading of the server tree) → [`parse`] (one lossless
//! parser per format) → [`model`] (the server, built once) → [`rules`] → [`finding`]s →
//! [`report`] / fixes. Rules never read files; parsers never know about rules.

#![forbid(unsafe_code)]

pub mod base64;
pub mod cli;
pub mod clock;
pub mod config;
pub mod der;
pub mod dns;
pub mod escape;
pub mod finding;
pub mod fix;
pub mod hook;
pub mod manual;
pub mod model;
pub mod parse;
pub mod providers;
pub mod report;
pub mod rules;
pub mod select;
pub mod source;
pub mod sync;
pub mod text;
pub mod tree;
