//! The library half of the `klynge` binary: the pieces of the command line that benchmarks and
//! tests also drive.

pub mod demo;
pub mod market;
pub mod transfer;
