// The peer reports the quiche release it was built with: the version Cargo.lock pins.
fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    let lock = std::fs::read_to_string("Cargo.lock").expect("Cargo.lock is committed");
    let mut lines = lock.lines();
    let mut version = None;
    while let Some(line) = lines.next() {
        if line == "name = \"quiche\"" {
            version = lines
                .next()
                .and_then(|next| next.strip_prefix("version = \""))
                .map(|rest| rest.trim_end_matches('"').to_string());
            break;
        }
    }
    let version = version.expect("Cargo.lock pins quiche");
    println!("cargo:rustc-env=QUICHE_VERSION={version}");
}
