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

#[cfg(test)]
mod tests {
    use super::*;

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
