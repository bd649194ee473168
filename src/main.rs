//! The `privdiff` command: replay, minimise and keep findings, explore
//! small worlds exhaustively, and run the 2019 attack at scale. The command
//! line lives in this binary (`cli/`); everything it drives is the
//! library's, so tests and fuzz targets use the same code without it.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
