//! `key generate` and `key inspect`: what `subkey` prints, for sr25519 and ed25519.

use accord_primitives::crypto::{Ed25519Pair, Sr25519Pair};
use accord_primitives::AccountId32;
use rand_core::{OsRng, RngCore};

/// The signature scheme of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scheme {
    /// Schnorr signatures on Ristretto (Substrate's default).
    Sr25519,
    /// EdDSA on Curve25519.
    Ed25519,
}

/// The public key of `uri` under `scheme`.
pub fn public_of(uri: &str, scheme: Scheme) -> Result<[u8; 32], String> {
    match scheme {
        Scheme::Sr25519 => Sr25519Pair::from_uri(uri).map(|p| p.public()).map_err(|e| e.to_string()),
        Scheme::Ed25519 => Ed25519Pair::from_uri(uri).map(|p| p.public()).map_err(|e| e.to_string()),
    }
}

/// The text `key inspect` prints for `uri`.
pub fn inspect(uri: &str, scheme: Scheme, prefix: u16) -> Result<String, String> {
    let public = public_of(uri, scheme)?;
    let account = AccountId32(public);
    let shown_uri =
        if uri.starts_with("//") || uri.starts_with('/') { uri.to_string() } else { "<hidden>".to_string() };
    Ok(format!(
        "Secret Key URI `{shown_uri}` is account:\n  Network ID:        {prefix}\n  Scheme:            {scheme:?}\n  Public key (hex):  0x{hex}\n  Account ID:        0x{hex}\n  Public key (SS58): {ss58}\n  SS58 Address:      {ss58}",
        hex = hex::encode(public),
        ss58 = account.to_ss58(prefix),
    ))
}

/// A new random mnemonic of `words` words (12, 15, 18, 21 or 24) and what it derives.
pub fn generate(words: usize, scheme: Scheme, prefix: u16) -> Result<String, String> {
    let entropy_len = match words {
        12 => 16,
        15 => 20,
        18 => 24,
        21 => 28,
        24 => 32,
        other => return Err(format!("--words must be 12, 15, 18, 21 or 24, not {other}")),
    };
    let mut entropy = [0u8; 32];
    OsRng.fill_bytes(&mut entropy[..entropy_len]);
    let mnemonic = bip39::Mnemonic::from_entropy(&entropy[..entropy_len]).map_err(|e| e.to_string())?;
    let phrase = mnemonic.to_string();
    let public = public_of(&phrase, scheme)?;
    let account = AccountId32(public);
    Ok(format!(
        "Secret phrase:       {phrase}\n  Network ID:        {prefix}\n  Scheme:            {scheme:?}\n  Public key (hex):  0x{hex}\n  Account ID:        0x{hex}\n  Public key (SS58): {ss58}\n  SS58 Address:      {ss58}",
        hex = hex::encode(public),
        ss58 = account.to_ss58(prefix),
    ))
}

/// A new random ed25519 node key's 32-byte seed.
pub fn random_node_key() -> [u8; 32] {
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    seed
}

/// The public key of the node key `seed` as every parser of a peer key takes it: `0x` and 64
/// hex digits (the chain spec's `consensus.validators`, `--bootnodes`, `--validators`).
pub fn node_public_text(seed: &[u8; 32]) -> String {
    format!("0x{}", hex::encode(Ed25519Pair::from_seed(seed).public()))
}

/// The libp2p peer id of the ed25519 network key `public`, as Substrate nodes print and
/// tools expect (`system_localPeerId`): base58 of the identity multihash (code 0, length
/// 36) of the key's protobuf encoding (field 1 = key type 1, Ed25519; field 2 = the key).
pub fn peer_id(public: &[u8; 32]) -> String {
    let mut bytes = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
    bytes.extend_from_slice(public);
    bs58::encode(bytes).into_string()
}

/// The text of a node key file: the seed in hex, one line.
pub fn node_key_text(seed: &[u8; 32]) -> String {
    format!("{}\n", hex::encode(seed))
}

/// The seed of a node key given as a secret URI (`//Alice`, `0x<seed>`, a phrase) or as a
/// key file (hex seed, or a secret URI, on its first line).
pub fn node_key_from(source: &str) -> Result<[u8; 32], String> {
    if source.starts_with("//") || source.starts_with("0x") {
        return Ed25519Pair::from_uri(source).map(|p| p.seed()).map_err(|e| format!("validator key: {e}"));
    }
    let text = std::fs::read_to_string(source).map_err(|e| format!("cannot read key file {source}: {e}"))?;
    parse_node_key(text.trim()).map_err(|e| format!("key file {source}: {e}"))
}

fn parse_node_key(text: &str) -> Result<[u8; 32], String> {
    if let Ok(bytes) = hex::decode(text.trim_start_matches("0x")) {
        return bytes.try_into().map_err(|_| "a hex key must be 32 bytes".to_string());
    }
    Ed25519Pair::from_uri(text).map(|p| p.seed()).map_err(|e| e.to_string())
}

/// The node key in `path`; if it does not exist and `create` is set, a new random one,
/// written there first (readable by its owner only).
pub fn load_or_create_node_key(path: &std::path::Path, create: bool) -> Result<[u8; 32], String> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_node_key(text.trim()).map_err(|e| format!("node key file {}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            let seed = random_node_key();
            write_node_key(path, &seed)?;
            Ok(seed)
        }
        Err(e) => Err(format!("cannot read node key file {}: {e}", path.display())),
    }
}

/// Writes a node key file; refuses to overwrite one.
pub fn write_node_key(path: &std::path::Path, seed: &[u8; 32]) -> Result<(), String> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| format!("cannot create key file {}: {e}", path.display()))?;
    file.write_all(node_key_text(seed).as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|e| format!("cannot write key file {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_keys_load_from_uris_and_files() {
        let alice = node_key_from("//Alice").unwrap();
        assert_eq!(Ed25519Pair::from_seed(&alice).public(), public_of("//Alice", Scheme::Ed25519).unwrap());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("net").join("node-key");
        assert!(load_or_create_node_key(&path, false).is_err());
        let created = load_or_create_node_key(&path, true).unwrap();
        assert_eq!(load_or_create_node_key(&path, true).unwrap(), created);
        assert_eq!(node_key_from(path.to_str().unwrap()).unwrap(), created);
        assert!(write_node_key(&path, &created).unwrap_err().contains("cannot create"));
        std::fs::write(&path, "zz").unwrap();
        assert!(load_or_create_node_key(&path, true).is_err());
        std::fs::write(&path, "0x0102").unwrap();
        assert!(load_or_create_node_key(&path, true).unwrap_err().contains("32 bytes"));
        assert!(node_key_from("/nonexistent/key").unwrap_err().contains("cannot read"));
    }

    #[test]
    fn peer_ids_are_libp2ps() {
        // Substrate's well-known development node key 0x00..01 and its peer id.
        let mut seed = [0u8; 32];
        seed[31] = 1;
        let public = Ed25519Pair::from_seed(&seed).public();
        assert_eq!(peer_id(&public), "12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp");
    }

    #[test]
    fn inspect_alice() {
        let text = inspect("//Alice", Scheme::Sr25519, 42).unwrap();
        assert!(text.contains("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"));
        assert!(text.contains("0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"));
        assert!(inspect("not a valid phrase", Scheme::Sr25519, 42).is_err());
    }

    #[test]
    fn generated_phrases_are_valid_and_differ() {
        let a = generate(12, Scheme::Sr25519, 42).unwrap();
        let b = generate(24, Scheme::Ed25519, 42).unwrap();
        assert_ne!(a, b);
        let phrase = a.lines().next().unwrap().trim_start_matches("Secret phrase:").trim();
        assert_eq!(phrase.split(' ').count(), 12);
        assert!(public_of(phrase, Scheme::Sr25519).is_ok());
        assert!(generate(13, Scheme::Sr25519, 42).is_err());
    }
}
