#![forbid(unsafe_code)]

use std::panic;

fn main() {
    // A panic is a bug: report it as one and exit 2, never 101.
    panic::set_hook(Box::new(|info| {
        eprintln!(
            "maillint: internal error (this is a bug, please report it with the command line you ran): {info}"
        );
    }));
    let args: Vec<_> = std::env::args_os().collect();
    let code = panic::catch_unwind(|| maillint::cli::main_with_args(args)).unwrap_or(2);
    std::process::exit(code);
}

/// mimalloc, built without transparent huge pages (with them, peak memory at 5,000 accounts was
/// 10 % higher); see BENCHMARKS.md.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
