//! The `privdiff` command: replay, minimise and keep findings, explore
//! small worlds exhaustively, and run the 2019 attack at scale. The command
//! line lives in this binary (`cli/`); everything it drives is the
//! library's, so tests and fuzz targets use the same code without it.

mod cli;

fn main() -> std::process::ExitCode {
    // A reader that goes away (`privdiff replay FILE | head`) should end
    // privdiff quietly, as it ends other Unix tools. Rust starts programs
    // with SIGPIPE ignored, so the next `println!` would panic with a
    // broken pipe instead; the default action is restored first.
    #[cfg(unix)]
    // SAFETY: called before any other thread exists; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    cli::main()
}
