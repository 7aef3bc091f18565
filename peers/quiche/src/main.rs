//! The QUIC lab's quiche peer: an HTTP/3 server and client on quiche's h3 API that take the
//! command line and print the JSON of peers/CONTRACT.md.
mod client;
mod net;
mod options;
mod pattern;
mod server;
mod transport;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The descriptor's version probe (peers/CONTRACT.md): the quiche crate's, from Cargo.lock.
    if args.len() == 1 && args[0] == "version" {
        println!("{}", transport::version());
        return ExitCode::SUCCESS;
    }
    let parsed = match options::parse(&args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("quiche peer: {message}");
            eprintln!("usage: quiche server --listen HOST:PORT --cert FILE --key FILE [options]");
            eprintln!("       quiche client [--connect HOST:PORT] --ca FILE [options] URL...");
            return ExitCode::from(2);
        }
    };
    let code = match parsed {
        options::Command::Server(options) => server::run(&options),
        options::Command::Client(options) => client::run(&options),
    };
    ExitCode::from(code)
}
