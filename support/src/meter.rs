//! Per-extrinsic resource measurement: what a fee model prices.
//!
//! The executive fills one [`ResourceUsage`] per applied extrinsic: compute as the dispatch
//! weight, storage as bytes added and freed by the extrinsic's changes (measured from its
//! transactional layer, so a rolled-back dispatch adds nothing), and network as the encoded
//! length, which a fee model multiplies by the validator count.

use crate::dispatch::Weight;
use crate::ext::StorageDelta;

/// The resources one extrinsic used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResourceUsage {
    /// Compute, as weight.
    pub weight: Weight,
    /// Storage growth and shrinkage, bytes of key plus value.
    pub storage: StorageDelta,
    /// The extrinsic's encoded length in bytes.
    pub encoded_len: u32,
}

impl ResourceUsage {
    /// Bytes sent to reach every validator: encoded length times the validator count.
    pub fn network_bytes(&self, validators: u32) -> u64 {
        self.encoded_len as u64 * validators as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_bytes_scale_with_validators() {
        let u = ResourceUsage { encoded_len: 150, ..Default::default() };
        assert_eq!(u.network_bytes(4), 600);
        assert_eq!(u.network_bytes(0), 0);
    }
}
