//! subxt, the real client: metadata, a storage read, a signed transfer watched to
//! finalization, and its events.

use codec::Decode;
use subxt::{dynamic, OnlineClient, SubstrateConfig};
use subxt_signer::sr25519::dev;

use accord_pallet_system::AccountInfo;

use crate::harness::Node;

const UNIT: u128 = 1_000_000_000_000;

#[tokio::test]
async fn subxt_reads_storage_and_submits_a_finalized_transfer() {
    let node = Node::dev(&["--block-time-ms", "300"]);
    let api = OnlineClient::<SubstrateConfig>::from_insecure_url(node.ws_url()).await.expect("subxt connects");
    let at = api.at_current_block().await.expect("subxt reads the finalized block");
    let metadata = at.metadata_ref();
    assert!(metadata.pallet_by_name("Balances").is_some());
    assert!(metadata.pallet_by_name("System").and_then(|p| p.storage()).is_some());

    let (alice, bob) = (dev::alice(), dev::bob());
    let account = dynamic::storage::<([u8; 32],), subxt::ext::scale_value::Value>("System", "Account");
    let value = at.storage().fetch(account, (alice.public_key().0,)).await.expect("System.Account of Alice");
    let info = AccountInfo::decode(&mut value.bytes()).expect("AccountInfo");
    assert_eq!(info.data.free, 1_000_000 * UNIT);

    let amount = 12_345 * UNIT;
    let tx = dynamic::transaction("Balances", "transfer_keep_alive", (bob.public_key().to_address::<()>(), amount));
    let events = at
        .transactions()
        .sign_and_submit_then_watch_default(&tx, &alice)
        .await
        .expect("submitted")
        .wait_for_finalized_success()
        .await
        .expect("finalized with success");
    let transfer = events
        .iter()
        .filter_map(Result::ok)
        .find(|e| e.pallet_name() == "Balances" && e.event_name() == "Transfer")
        .expect("a Transfer event");
    let (from, to, value) = <([u8; 32], [u8; 32], u128)>::decode(&mut transfer.field_bytes()).unwrap();
    assert_eq!((from, to, value), (alice.public_key().0, bob.public_key().0, amount));

    let later = api.at_current_block().await.unwrap();
    let account = dynamic::storage::<([u8; 32],), subxt::ext::scale_value::Value>("System", "Account");
    let bob_value = later.storage().fetch(account, (bob.public_key().0,)).await.unwrap();
    let bob_info = AccountInfo::decode(&mut bob_value.bytes()).unwrap();
    assert_eq!(bob_info.data.free, 1_000_000 * UNIT + amount);
}
