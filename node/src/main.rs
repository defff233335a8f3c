//! The `accord-node` binary.

fn main() {
    std::process::exit(accord_node::run());
}
