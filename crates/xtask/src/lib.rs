//! What `cargo xtask` shares with the tests: the demo that `cargo xtask run` starts (a
//! `confer-server` process with demo accounts and history, written by `confer-cli` processes).

pub mod demo;
