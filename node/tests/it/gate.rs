//! The membership gate through a real node: a stranger's transfer is refused with the
//! reason, a member's is included, and suspending an organization drops its pooled
//! transactions.

use std::time::Duration;

use jsonrpsee::core::client::{ClientT, Error as ClientError};
use serde_json::{json, Value};

use accord_pallet_organizations as organizations;
use accord_primitives::Pair;
use accord_runtime::RuntimeCall;

use crate::harness::{call, genesis_hash, hex0x, sign, transfer, wait_until, Node};

fn sudo(call: organizations::Call) -> RuntimeCall {
    RuntimeCall::Sudo(accord_pallet_sudo::Call::sudo { call: Box::new(RuntimeCall::Organizations(call)) })
}

async fn next_index(c: &jsonrpsee::http_client::HttpClient, who: &Pair) -> u64 {
    call(c, "system_accountNextIndex", vec![json!(who.account().to_ss58_default())]).await.as_u64().unwrap()
}

async fn pending(c: &jsonrpsee::http_client::HttpClient) -> Vec<String> {
    let v = call(c, "author_pendingExtrinsics", vec![]).await;
    v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect()
}

async fn submit_error(c: &jsonrpsee::http_client::HttpClient, xt: &[u8]) -> (i32, String) {
    let mut p = jsonrpsee::core::params::ArrayParams::new();
    p.insert(json!(hex0x(xt))).unwrap();
    match c.request::<Value, _>("author_submitExtrinsic", p).await {
        Err(ClientError::Call(e)) => (e.code(), e.data().map(|d| d.get().to_string()).unwrap_or_default()),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn only_members_of_active_organizations_transact() {
    let node = Node::dev(&["--instant-seal"]);
    let c = node.http();
    let genesis = genesis_hash(&c).await;
    let (alice, dave, eve, stranger) = (Pair::dev("Alice"), Pair::dev("Dave"), Pair::dev("Eve"), Pair::dev("Stranger"));

    // A stranger (funded by Alice, in no organization) is refused with the reason.
    call(
        &c,
        "author_submitExtrinsic",
        vec![json!(hex0x(sign(genesis, &alice, &transfer(&stranger, 10_u128.pow(15)), 0).encoded()))],
    )
    .await;
    wait_until("the funding", Duration::from_secs(20), || async {
        next_index(&c, &alice).await == 1 && pending(&c).await.is_empty()
    })
    .await;
    let (code, data) = submit_error(&c, sign(genesis, &stranger, &transfer(&alice, 1), 0).encoded()).await;
    assert_eq!(code, 1010);
    assert!(data.contains("sender is not a member of an active organization"), "{data}");

    // Eve leaves the development organization for a second one, "Second" (code 2).
    let remove_eve = RuntimeCall::Organizations(organizations::Call::remove_member { org: 1, who: eve.account() });
    let register = sudo(organizations::Call::register_org {
        name: organizations::Name::try_from_vec(b"Second".to_vec()).unwrap(),
        category: organizations::Category::OffCloud,
        admins: organizations::AdminList::try_from_vec(vec![eve.account()]).unwrap(),
        credentials: Default::default(),
    });
    for (nonce, call_) in [(1, remove_eve), (2, register)] {
        call(&c, "author_submitExtrinsic", vec![json!(hex0x(sign(genesis, &alice, &call_, nonce).encoded()))]).await;
        wait_until("inclusion", Duration::from_secs(20), || async { pending(&c).await.is_empty() }).await;
    }
    // A member's transfer is included.
    call(&c, "author_submitExtrinsic", vec![json!(hex0x(sign(genesis, &eve, &transfer(&dave, 1), 0).encoded()))]).await;
    wait_until("Eve's transfer", Duration::from_secs(20), || async {
        next_index(&c, &eve).await == 1 && pending(&c).await.is_empty()
    })
    .await;

    // Eve's transaction waiting in the pool (nonce 2, ahead of her account's 1) is dropped
    // when her organization is suspended.
    let waiting = sign(genesis, &eve, &transfer(&dave, 1), 2);
    call(&c, "author_submitExtrinsic", vec![json!(hex0x(waiting.encoded()))]).await;
    assert_eq!(pending(&c).await, vec![hex0x(waiting.encoded())]);
    let suspend = sudo(organizations::Call::suspend_org { org: 2 });
    call(&c, "author_submitExtrinsic", vec![json!(hex0x(sign(genesis, &alice, &suspend, 3).encoded()))]).await;
    wait_until(
        "the suspended organization's pooled transaction to leave the pool",
        Duration::from_secs(20),
        || async { next_index(&c, &alice).await == 4 && pending(&c).await.is_empty() },
    )
    .await;
    let (code, data) = submit_error(&c, sign(genesis, &eve, &transfer(&dave, 1), 1).encoded()).await;
    assert_eq!(code, 1010);
    assert!(data.contains("not a member of an active organization"), "{data}");

    // Resumed, Eve transacts again; her dropped nonce-2 transaction did not come back.
    let resume = sudo(organizations::Call::resume_org { org: 2 });
    call(&c, "author_submitExtrinsic", vec![json!(hex0x(sign(genesis, &alice, &resume, 4).encoded()))]).await;
    wait_until("resumption", Duration::from_secs(20), || async {
        next_index(&c, &alice).await == 5 && pending(&c).await.is_empty()
    })
    .await;
    call(&c, "author_submitExtrinsic", vec![json!(hex0x(sign(genesis, &eve, &transfer(&dave, 1), 1).encoded()))]).await;
    wait_until("Eve's second transfer", Duration::from_secs(20), || async { pending(&c).await.is_empty() }).await;
    assert_eq!(next_index(&c, &eve).await, 2, "the dropped transaction was not applied");
}
