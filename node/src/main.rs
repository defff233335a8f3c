//! The `accord-node` binary.

/// The node's heap allocator. Block production allocates and frees millions of small
/// objects per block from several threads (overlay entries, trie nodes, cached values);
/// glibc's allocator spent about a third of the authoring thread's time on them
/// (BENCHMARKS.md, "Allocator").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(accord_node::run());
}
