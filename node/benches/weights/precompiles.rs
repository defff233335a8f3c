//! What each precompile costs on this machine. Ethereum prices precompiles in gas by its own
//! schedule (other machines, other libraries), so the pallet weighs a precompile call by its
//! measured cost instead (`pallets/evm/src/precompiles.rs`). Each case is a contract that
//! calls one precompile `calldataload(0)` times on one input (reverting if a call fails, so a
//! refused input cannot pass for a cheap one), measured at two numbers of calls: the slope
//! is the µs per gas of a turn (the call and the loop around it). Precompiles whose gas
//! grows with their input are measured at a small and a large input; [`report`] prints per
//! precompile a fixed cost per call plus a cost per gas through the two.

use accord_primitives::H160;

use crate::{with_margin, Bench, Fitted, Measured, MARGIN_PERCENT};

/// One precompile on one input.
struct Case {
    /// `evm::<precompile>` or `evm::<precompile>/<input>`.
    name: &'static str,
    address: u16,
    input: Vec<u8>,
    /// About the gas of one turn (to size the gas limit and the number of calls).
    turn_gas: u64,
}

/// An `n`-byte big-endian number from hex, left-padded with zeros.
fn padded(hex: &str, n: usize) -> Vec<u8> {
    let bytes = crate::evm::bytes(hex);
    let mut out = vec![0u8; n - bytes.len()];
    out.extend_from_slice(&bytes);
    out
}

/// The bn254 pairing input `e(G1, G2) · e(-G1, G2)` (EIP-197 encoding: an Fp2 element is
/// its imaginary part, then its real part), `copies` times: it checks (output 1).
fn bn254_pairs(copies: usize) -> Vec<u8> {
    let g1 = [padded("01", 32), padded("02", 32)].concat();
    let minus_g1 =
        [padded("01", 32), padded("30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd45", 32)].concat();
    let g2 = [
        "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2",
        "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed",
        "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b",
        "12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa",
    ]
    .map(|h| padded(h, 32))
    .concat();
    [g1, g2.clone(), minus_g1, g2].concat().repeat(copies)
}

/// The BLS12-381 generators in EIP-2537's encoding (each base field element in 64 bytes).
fn bls_g1() -> Vec<u8> {
    [
        "17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb",
        "08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1",
    ]
    .map(|h| padded(h, 64))
    .concat()
}

fn bls_g2() -> Vec<u8> {
    [
        "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8",
        "13e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e",
        "0ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801",
        "0606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be",
    ]
    .map(|h| padded(h, 64))
    .concat()
}

/// A full-width scalar (the BLS12-381 group order minus one).
fn bls_scalar() -> Vec<u8> {
    padded("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000", 32)
}

/// A base field element below p (for the map-to-curve precompiles).
fn bls_fp(seed: u8) -> Vec<u8> {
    let mut fp =
        padded("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab", 64);
    fp[63] = seed;
    fp
}

/// `modexp(base, exp, mod)` with `len`-byte operands: an all-ones exponent (the most
/// squarings for its length) and an odd modulus.
fn modexp(len: usize) -> Vec<u8> {
    let word = |n: usize| crate::evm::word(n as u64).to_vec();
    let mut input = [word(len), word(32), word(len)].concat();
    input.extend((0..len).map(|i| (i * 7 + 3) as u8));
    input.extend([0xff; 32]);
    input.extend((0..len).map(|i| if i + 1 == len { 0x4f } else { 0xc5 ^ i as u8 }));
    input
}

/// blake2f's input with `rounds` rounds (EIP-152: rounds, h, m, t, final flag).
fn blake2f(rounds: u32) -> Vec<u8> {
    let mut input = rounds.to_be_bytes().to_vec();
    input.extend((0..64 + 128 + 16).map(|i| (i % 251) as u8));
    input.push(1);
    input
}

/// The KZG point evaluation test vector of the consensus specs (valid; the versioned hash
/// is version 1 and sha256 of the commitment).
fn kzg() -> Vec<u8> {
    crate::evm::bytes(concat!(
        "01e798154708fe7789429634053cbf9f99b619f9f084048927333fce637f549b",
        "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000",
        "1522a4a7f34e1ea350ae07c29c96c7e79655aa926122e95fe69fcbd932ca49e9",
        "8f59a8d2a1a625a17f3fea0fe5eb8c896db3764f3185481bc22f91b4aaffcca25f26936857bc3a7c2539ea8ec3a952b7",
        "a62ad71d14c5719385c0686f1871430475bf3a00f0aa3f7b8dd99a9abc2160744faf0070725e00b60ad9a026a15b1a8c",
    ))
}

/// ecrecover on EIP-155's example: its signing hash, v 27, r, s.
fn ecrecover() -> Vec<u8> {
    [
        "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53",
        "1b",
        "28ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276",
        "67cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83",
    ]
    .map(|h| padded(h, 32))
    .concat()
}

fn cases() -> Vec<Case> {
    let case = |name, address, input, turn_gas| Case { name, address, input, turn_gas };
    let msm = |point: Vec<u8>, k: usize| [point, bls_scalar()].concat().repeat(k);
    vec![
        case("evm::ecrecover", 0x01, ecrecover(), 3_300),
        case("evm::sha256/32B", 0x02, vec![0x61; 32], 300),
        case("evm::sha256/4KiB", 0x02, vec![0x61; 4096], 2_200),
        case("evm::ripemd160/32B", 0x03, vec![0x61; 32], 1_000),
        case("evm::ripemd160/4KiB", 0x03, vec![0x61; 4096], 16_500),
        case("evm::identity/32B", 0x04, vec![0x61; 32], 250),
        case("evm::identity/4KiB", 0x04, vec![0x61; 4096], 1_000),
        case("evm::modexp/32B", 0x05, modexp(32), 1_700),
        case("evm::modexp/256B", 0x05, modexp(256), 88_000),
        case("evm::bn254_add", 0x06, [bn254_pairs(1)[..64].to_vec(), bn254_pairs(1)[..64].to_vec()].concat(), 500),
        case("evm::bn254_mul", 0x07, [bn254_pairs(1)[..64].to_vec(), bls_scalar()].concat(), 6_500),
        case("evm::bn254_pairing/2", 0x08, bn254_pairs(1), 114_000),
        case("evm::bn254_pairing/4", 0x08, bn254_pairs(2), 182_000),
        case("evm::blake2f/1", 0x09, blake2f(1), 300),
        case("evm::blake2f/10000", 0x09, blake2f(10_000), 10_300),
        case("evm::kzg_point_evaluation", 0x0a, kzg(), 50_300),
        case("evm::bls12_g1add", 0x0b, bls_g1().repeat(2), 700),
        case("evm::bls12_g1msm/1", 0x0c, msm(bls_g1(), 1), 12_300),
        case("evm::bls12_g1msm/8", 0x0c, msm(bls_g1(), 8), 72_000),
        case("evm::bls12_g2add", 0x0d, bls_g2().repeat(2), 900),
        case("evm::bls12_g2msm/1", 0x0e, msm(bls_g2(), 1), 23_000),
        case("evm::bls12_g2msm/8", 0x0e, msm(bls_g2(), 8), 150_000),
        case("evm::bls12_pairing/1", 0x0f, [bls_g1(), bls_g2()].concat(), 71_000),
        case("evm::bls12_pairing/2", 0x0f, [bls_g1(), bls_g2()].concat().repeat(2), 104_000),
        case("evm::bls12_map_fp_to_g1", 0x10, bls_fp(1), 5_800),
        case("evm::bls12_map_fp2_to_g2", 0x11, [bls_fp(2), bls_fp(3)].concat(), 24_200),
    ]
}

/// The two numbers of calls a case is measured at.
fn calls(case: &Case, smoke: bool) -> [u64; 2] {
    if smoke {
        return [1, 2];
    }
    // About 500,000 gas at most: a block holds tens of calls at their gas limit times the
    // most a gas can cost.
    [1, (500_000 / case.turn_gas).clamp(2, 2_000)]
}

/// Bytecode that copies `input` to memory and calls precompile `address` on it
/// `calldataload(0)` times (each output to the memory after the input), reverting if a call
/// fails.
fn precompile_loop(address: u16, input: &[u8]) -> Vec<u8> {
    const DATA: u16 = 55;
    const LOOP: u16 = 12;
    const END: u16 = 48;
    const FAIL: u16 = 50;
    let len = u16::try_from(input.len()).expect("a short input");
    let push2 = |v: u16| [0x61, (v >> 8) as u8, v as u8];
    let mut code = Vec::new();
    // CODECOPY(0, DATA, len); n = calldataload(0)
    code.extend(push2(len));
    code.extend(push2(DATA));
    code.extend([0x60, 0x00, 0x39, 0x60, 0x00, 0x35]);
    assert_eq!(code.len(), LOOP as usize);
    // loop: if n == 0 goto end
    code.extend([0x5b, 0x80, 0x15]);
    code.extend(push2(END));
    code.push(0x57);
    // STATICCALL(gas, address, 0, len, len, 256); if it failed goto fail
    code.extend(push2(256));
    code.extend(push2(len));
    code.extend(push2(len));
    code.extend([0x60, 0x00]);
    code.extend(push2(address));
    code.extend([0x5a, 0xfa, 0x15]);
    code.extend(push2(FAIL));
    code.push(0x57);
    // n -= 1; goto loop
    code.extend([0x60, 0x01, 0x90, 0x03]);
    code.extend(push2(LOOP));
    code.push(0x56);
    assert_eq!(code.len(), END as usize);
    code.extend([0x5b, 0x00]);
    assert_eq!(code.len(), FAIL as usize);
    code.extend([0x5b, 0x60, 0x00, 0x80, 0xfd]);
    assert_eq!(code.len(), DATA as usize);
    code.extend_from_slice(input);
    code
}

/// Measures every case: slopes in µs per gas of a turn.
pub(crate) fn run(bench: &mut Bench, round: u32) -> Vec<Fitted> {
    let smoke = bench.config.smoke;
    let mut fitted = Vec::new();
    for case in cases() {
        let contract: H160 = bench.deploy_code(&precompile_loop(case.address, &case.input));
        let ns = calls(&case, smoke);
        fitted.push(crate::evm::points(bench, case.name, contract, ns, case.turn_gas, round));
    }
    fitted
}

/// The gas of a turn of [`precompile_loop`] besides the precompile's own (ecrecover's turn
/// is 3,173 gas: 3,000 its own).
const LOOP_GAS: f64 = 173.0;

/// Prints, per case, the precompile's own gas and µs per call (the turn less its loop at
/// `ordinary_ps` per gas), and per precompile the two weights the pallet's table chooses
/// from, with the margin: the ratio per gas at its dearest input, and a fixed part per call
/// plus a part per gas through its two inputs.
pub(crate) fn report(measured: &Measured, smoke: bool, ordinary_ps: f64) {
    let per_call = |case: &Case| {
        let f = measured.get(case.name);
        let [n1, n2] = calls(case, smoke);
        let (lo, hi) = f.points.iter().fold((u32::MAX, 0), |(lo, hi), (x, _)| (lo.min(*x), hi.max(*x)));
        let turn_gas = f64::from(hi.saturating_sub(lo)) / (n2 - n1) as f64;
        let gas = (turn_gas - LOOP_GAS).max(1.0);
        (gas, (f.slope * turn_gas - LOOP_GAS * ordinary_ps / 1e6).max(0.0))
    };
    let all = cases();
    let mut i = 0;
    while i < all.len() {
        let precompile = all[i].name.split('/').next().unwrap_or_default();
        let same: Vec<(f64, f64)> =
            all[i..].iter().take_while(|c| c.name.split('/').next() == Some(precompile)).map(per_call).collect();
        for ((gas, us), case) in same.iter().zip(&all[i..]) {
            println!("{:<32} {gas:>9.0} gas {us:>10.2} µs {:>10.0} ps per gas", case.name, us * 1e6 / gas);
        }
        let dearest = same.iter().map(|(gas, us)| us * 1e6 / gas).fold(0.0, f64::max);
        let (g1, t1) = same[0];
        let (base, slope) = match same.last() {
            Some(&(g2, t2)) if g2 > g1 => {
                let slope = ((t2 - t1) / (g2 - g1)).max(0.0);
                ((t1 - slope * g1).max(0.0), slope)
            }
            _ => (0.0, t1 / g1),
        };
        println!(
            "{precompile}: {:.0} ps per gas at its dearest input; or {:.0} ps a call + {:.0} ps per gas (with the {MARGIN_PERCENT}% margin)",
            with_margin(dearest),
            with_margin(base * 1e6),
            with_margin(slope * 1e6)
        );
        i += same.len();
    }
}
