//! Wirewatch command-line interface.
fn main() {}
