//! The `privdiff` command: replay, minimise and keep findings, and run the
//! 2019 attack at scale. All logic lives in the library's [`privdiff::cli`].

fn main() -> std::process::ExitCode {
    privdiff::cli::main()
}
