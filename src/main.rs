//! The `mimamori` command. Glue only: the commands live in `src/cli/`, everything they compute
//! in the library.

mod cli;

use clap::Parser;

fn main() {
    // Like other Unix tools, stop quietly when the reader of our output goes away
    // (`mimamori report ... | head`) instead of panicking on a broken pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = cli::run(cli::Cli::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
