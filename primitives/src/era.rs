//! Transaction mortality: the `Era` of a signed extrinsic.
//!
//! An immortal transaction is valid forever (encoded `0x00`). A mortal one is valid for
//! `period` blocks (a power of two, 4..=65536) from its birth block, which is the most recent
//! block whose number is congruent to `phase` modulo `period`. It is encoded in two bytes
//! (u16 little-endian): the low 4 bits hold `log2(period) - 1`, the high 12 bits the phase
//! divided by the quantization factor `max(period >> 12, 1)`.

use codec::{Decode, Encode, Error as CodecError, Input, Output};
use scale_info::{build::Fields, build::Variants, Path, Type, TypeInfo};

/// The lifetime of a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Era {
    /// Valid forever.
    Immortal,
    /// Valid for `period` blocks from the birth block; `(period, phase)`.
    Mortal(u64, u64),
}

impl Era {
    /// The mortal era of `period` blocks (rounded up to a power of two and clamped to
    /// 4..=65536) whose birth is the block `current`.
    pub fn mortal(period: u64, current: u64) -> Era {
        let period = period.checked_next_power_of_two().unwrap_or(1 << 16).clamp(4, 1 << 16);
        let phase = current % period;
        let quantize_factor = (period >> 12).max(1);
        let quantized_phase = phase / quantize_factor * quantize_factor;
        Era::Mortal(period, quantized_phase)
    }

    /// The first block at which a transaction of this era seen at block `current` is valid.
    pub fn birth(self, current: u64) -> u64 {
        match self {
            Era::Immortal => 0,
            Era::Mortal(period, phase) => (current.max(phase) - phase) / period * period + phase,
        }
    }

    /// The first block at which a transaction of this era seen at block `current` is no
    /// longer valid.
    pub fn death(self, current: u64) -> u64 {
        match self {
            Era::Immortal => u64::MAX,
            Era::Mortal(period, _) => self.birth(current).saturating_add(period),
        }
    }

    /// Whether this is [`Era::Immortal`].
    pub fn is_immortal(self) -> bool {
        matches!(self, Era::Immortal)
    }
}

impl Encode for Era {
    fn size_hint(&self) -> usize {
        match self {
            Era::Immortal => 1,
            Era::Mortal(..) => 2,
        }
    }

    fn encode_to<T: Output + ?Sized>(&self, output: &mut T) {
        match *self {
            Era::Immortal => output.push_byte(0),
            Era::Mortal(period, phase) => {
                let quantize_factor = (period >> 12).max(1);
                let low = (period.trailing_zeros().saturating_sub(1)).clamp(1, 15) as u16;
                let encoded = low | (((phase / quantize_factor) as u16) << 4);
                encoded.encode_to(output);
            }
        }
    }
}

impl Decode for Era {
    fn decode<I: Input>(input: &mut I) -> Result<Self, CodecError> {
        let first = input.read_byte()?;
        if first == 0 {
            return Ok(Era::Immortal);
        }
        let encoded = first as u64 + ((input.read_byte()? as u64) << 8);
        let period = 2u64 << (encoded % (1 << 4));
        let quantize_factor = (period >> 12).max(1);
        let phase = (encoded >> 4) * quantize_factor;
        if period >= 4 && phase < period {
            Ok(Era::Mortal(period, phase))
        } else {
            Err("Invalid period and phase".into())
        }
    }
}

impl TypeInfo for Era {
    type Identity = Self;
    fn type_info() -> Type {
        // Substrate describes the era as 256 variants: `Immortal` and `Mortal1..=Mortal255`,
        // each mortal variant carrying the second byte.
        let mut variants = Variants::new().variant("Immortal", |v| v.index(0));
        for i in 1..=255u8 {
            let name: &'static str = MORTAL_NAMES[i as usize - 1];
            variants = variants.variant(name, |v| v.index(i).fields(Fields::unnamed().field(|f| f.ty::<u8>())));
        }
        Type::builder()
            .path(Path::from_segments_unchecked(["sp_runtime", "generic", "era", "Era"]))
            .docs(&["The lifetime of a transaction."])
            .variant(variants)
    }
}

macro_rules! mortal_names {
    ($($n:literal)*) => { [$(concat!("Mortal", $n)),*] };
}

const MORTAL_NAMES: [&str; 255] = mortal_names!(
    1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33
    34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63
    64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93
    94 95 96 97 98 99 100 101 102 103 104 105 106 107 108 109 110 111 112 113 114 115 116 117
    118 119 120 121 122 123 124 125 126 127 128 129 130 131 132 133 134 135 136 137 138 139
    140 141 142 143 144 145 146 147 148 149 150 151 152 153 154 155 156 157 158 159 160 161
    162 163 164 165 166 167 168 169 170 171 172 173 174 175 176 177 178 179 180 181 182 183
    184 185 186 187 188 189 190 191 192 193 194 195 196 197 198 199 200 201 202 203 204 205
    206 207 208 209 210 211 212 213 214 215 216 217 218 219 220 221 222 223 224 225 226 227
    228 229 230 231 232 233 234 235 236 237 238 239 240 241 242 243 244 245 246 247 248 249
    250 251 252 253 254 255
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immortal_is_one_zero_byte() {
        assert_eq!(Era::Immortal.encode(), vec![0]);
        assert_eq!(Era::decode(&mut &[0u8][..]).unwrap(), Era::Immortal);
        assert_eq!(Era::Immortal.death(5), u64::MAX);
    }

    #[test]
    fn mortal_matches_substrate_vectors() {
        // sp_runtime era tests: mortal(64, 42) encodes to [5 + 42 % 16 * 16, 42 / 16].
        let e = Era::mortal(64, 42);
        assert_eq!(e, Era::Mortal(64, 42));
        assert_eq!(e.encode(), vec![5 + 42 % 16 * 16, 42 / 16]);
        assert_eq!(e.birth(42), 42);
        assert_eq!(e.death(42), 106);
        assert_eq!(e.birth(105), 42);
        assert_eq!(e.birth(106), 106);
        // Quantized: period 32768, phase 20000 -> factor 8.
        let q = Era::mortal(32768, 20000);
        assert_eq!(q, Era::Mortal(32768, 20000));
        assert_eq!(q.encode(), (14u16 | (2500 << 4)).to_le_bytes().to_vec());
    }

    #[test]
    fn period_is_rounded_and_clamped() {
        assert_eq!(Era::mortal(1, 0), Era::Mortal(4, 0));
        assert_eq!(Era::mortal(100, 0), Era::Mortal(128, 0));
        assert_eq!(Era::mortal(1 << 20, 0), Era::Mortal(65536, 0));
    }

    #[test]
    fn round_trips_every_period_and_many_phases() {
        for shift in 2..=16u32 {
            let period = 1u64 << shift;
            for current in [0u64, 1, 3, 17, 1000, 65535, 1_000_000] {
                let era = Era::mortal(period, current);
                let bytes = era.encode();
                assert_eq!(Era::decode(&mut &bytes[..]).unwrap(), era, "period {period} current {current}");
            }
        }
    }

    #[test]
    fn rejects_invalid_encodings() {
        // Low nibble 0 means period 2 (< 4): invalid.
        assert!(Era::decode(&mut &[0x10u8, 0][..]).is_err());
        // Truncated.
        assert!(Era::decode(&mut &[5u8][..]).is_err());
    }
}
