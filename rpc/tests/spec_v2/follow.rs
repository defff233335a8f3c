//! `chainHead_v1_follow`: the order of chain events, forks, limits, lag.

use accord_rpc::spec_v2::{FOLLOWS_PER_CONNECTION_MAX, FOLLOW_LIMIT_REACHED, PINNED_BLOCKS_MAX};
use serde_json::json;

use crate::{best_changed, eventually, finalized, follow_on, hex, new_block, Test};

#[tokio::test]
async fn follow_reports_blocks_best_changes_and_finalized_with_pruned_forks() {
    let t = Test::start().await;
    let g = t.node.genesis();
    let mut f = t.follow(true).await;
    let init = f.initialized(g).await;
    let runtime = &init["finalizedBlockRuntime"];
    assert_eq!(runtime["type"], "valid");
    assert_eq!(runtime["spec"]["specName"], "accord-test");
    assert_eq!(runtime["spec"]["specVersion"], 1);
    assert_eq!(runtime["spec"]["apis"], json!({ "0xdf6acb689907609b": 5 }));

    // A best head two blocks up: both are reported, parent first.
    let a1 = t.node.import(g, 1);
    let a2 = t.node.import(a1, 1);
    t.node.set_best(a2);
    let with_runtime = |hash, parent| {
        let mut event = new_block(hash, parent);
        event["newRuntime"] = json!(null);
        event
    };
    assert_eq!(f.next().await, with_runtime(a1, g));
    assert_eq!(f.next().await, with_runtime(a2, a1));
    assert_eq!(f.next().await, best_changed(a2));

    // A fork with a runtime upgrade.
    let b2 = t.node.import(a1, 2);
    t.node.set_spec_version(b2, 2);
    t.node.set_best(b2);
    let event = f.next().await;
    assert_eq!(event["blockHash"], hex(b2));
    assert_eq!(event["newRuntime"]["spec"]["specVersion"], 2);
    assert_eq!(f.next().await, best_changed(b2));

    // The best moves back (a notarized block abandoned): no newBlock.
    t.node.set_best(a2);
    assert_eq!(f.next().await, best_changed(a2));

    // A fork on the genesis becomes best; finalizing a2 moves the best first, then prunes
    // both forks (and would prune their descendants).
    let c1 = t.node.import(g, 3);
    t.node.set_best(c1);
    assert_eq!(f.next().await, with_runtime(c1, g));
    assert_eq!(f.next().await, best_changed(c1));
    t.node.finalize(a2);
    assert_eq!(f.next().await, best_changed(a2));
    assert_eq!(f.next().await, finalized(&[a1, a2], &[c1, b2]));

    // Finality jumps two unannounced blocks: they are reported first.
    let a3 = t.node.import(a2, 1);
    let a4 = t.node.import(a3, 1);
    t.node.finalize(a4);
    assert_eq!(f.next().await, with_runtime(a3, a2));
    assert_eq!(f.next().await, with_runtime(a4, a3));
    assert_eq!(f.next().await, best_changed(a4));
    assert_eq!(f.next().await, finalized(&[a3, a4], &[]));

    // Pruned blocks stay pinned until unpinned.
    let header = t.call("chainHead_v1_header", vec![f.id.clone(), hex(b2)]).await.unwrap();
    assert!(header.as_str().unwrap().starts_with("0x"));
    t.call("chainHead_v1_unpin", vec![f.id.clone(), json!([hex(g), hex(a1), hex(b2), hex(c1)])]).await.unwrap();
    let e = t.call("chainHead_v1_header", vec![f.id.clone(), hex(b2)]).await.unwrap_err();
    assert_eq!(e.code(), -32801);
}

#[tokio::test]
async fn follow_stops_at_the_pinned_block_limit() {
    let t = Test::start().await;
    let g = t.node.genesis();
    let mut f = t.follow(false).await;
    f.initialized(g).await;
    // The finalized block is pinned, and each new block: the limit is reached one short.
    let mut parent = g;
    for _ in 1..PINNED_BLOCKS_MAX {
        let block = t.node.import(parent, 0);
        t.node.set_best(block);
        assert_eq!(f.next().await, new_block(block, parent));
        assert_eq!(f.next().await, best_changed(block));
        parent = block;
    }
    let one_too_many = t.node.import(parent, 0);
    t.node.set_best(one_too_many);
    assert_eq!(f.next().await, json!({ "event": "stop" }));
    // The subscription is gone: its blocks are no longer readable through it.
    let id = f.id.clone();
    eventually("the stopped subscription is forgotten", || async {
        t.call("chainHead_v1_header", vec![id.clone(), hex(g)]).await == Ok(json!(null))
    })
    .await;
}

#[tokio::test]
async fn unpinning_keeps_a_long_follow_alive() {
    let t = Test::start().await;
    let g = t.node.genesis();
    let mut f = t.follow(false).await;
    f.initialized(g).await;
    let mut parent = g;
    for _ in 0..PINNED_BLOCKS_MAX + 10 {
        let block = t.node.import(parent, 0);
        t.node.finalize(block);
        assert_eq!(f.next().await, new_block(block, parent));
        assert_eq!(f.next().await, best_changed(block));
        assert_eq!(f.next().await, super::finalized(&[block], &[]));
        t.call("chainHead_v1_unpin", vec![f.id.clone(), hex(parent)]).await.unwrap();
        parent = block;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn follow_stops_when_it_lags_behind_the_heads() {
    let t = Test::with_capacity(4).await;
    let g = t.node.genesis();
    let mut f = t.follow(false).await;
    f.initialized(g).await;
    // Announced without yielding: the follower's receiver overflows before it runs.
    let mut parent = g;
    for _ in 0..20 {
        parent = t.node.import(parent, 0);
        t.node.set_best(parent);
    }
    assert_eq!(f.next().await, json!({ "event": "stop" }));
}

#[tokio::test]
async fn follows_per_connection_are_limited() {
    let t = Test::start().await;
    let g = t.node.genesis();
    let mut follows = Vec::new();
    for _ in 0..FOLLOWS_PER_CONNECTION_MAX {
        let mut f = t.follow(false).await;
        f.initialized(g).await;
        follows.push(f);
    }
    let refused = follow_on(&t.client, false).await.err().expect("one follow too many");
    assert_eq!(refused.code(), FOLLOW_LIMIT_REACHED);
    // Another connection has its own allowance.
    let other = t.connect_again().await;
    let mut f = follow_on(&other, true).await.unwrap();
    f.initialized(g).await;
    // A connection cannot reach another's subscription.
    let answer = t.call("chainHead_v1_header", vec![f.id.clone(), hex(g)]).await.unwrap();
    assert_eq!(answer, json!(null));
    // Unfollowing frees a slot.
    follows.pop().unwrap().sub.unsubscribe().await.unwrap();
    let client = &t.client;
    eventually("a follow slot is free", || async { follow_on(client, false).await.is_ok() }).await;
}
