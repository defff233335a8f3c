// polkadot.js definitions of Accord's own JSON-RPC methods, so that they are decorated on
// `api.rpc` (and decoded into typed values) instead of showing up as "RPC methods not
// decorated":
//
//   import { ApiPromise, WsProvider } from '@polkadot/api';
//   import { rpc, types } from '@accord/rpc-definitions';
//   const api = await ApiPromise.create({ provider: new WsProvider(url), rpc, types });
//   const head = await api.rpc.oplog.head();                 // { nextIndex, lowestRetained, finalizedBlock }
//   const entries = await api.rpc.oplog.getLogs(0, 100, { origin: 'Records', opType: 'Create' });
//                                        // entry.origin: who owns the data ('Balances', 'Records', a contract's 0x address)
//   const unsub = await api.rpc.oplog.subscribeLogs(null, (entry) => { ... });
//   const set = await api.rpc.accord.validators();          // Option<EpochValidators>
//   const r = await api.rpc.releases.route('Records', 'production', 'order-1');
//                                        // { version, release, stage, shareBp, bucket, code }
//   const q = await api.rpc.metering.quote(tx.toHex());  // { usage, priceVersion, fee, mode, dispatchOk }
//
// The methods are documented in the node's README (Run a BFT test network, the oplog).

/** SCALE compact encoding of a length (below 2^30: the longest origin is 42 bytes). */
function compactLength(n) {
  if (n < 64) return [n << 2];
  if (n < 16384) return [((n << 2) | 1) & 0xff, n >> 6];
  return [((n << 2) | 2) & 0xff, (n >> 6) & 0xff, (n >> 14) & 0xff, (n >> 22) & 0xff];
}

/**
 * Text that may be a `0x` address, kept as text. (polkadot.js's `Text` reads any `0x` string
 * as hex bytes, which turns an address into garbage, in results and in parameters alike.) A
 * codec like `Text`: SCALE is the UTF-8 bytes with their compact length.
 */
export class HexText extends String {
  constructor(registry, value) {
    super(value == null ? '' : String(value));
    this.registry = registry;
    this.createdAtHash = undefined;
    this.initialU8aLength = undefined;
    this.isStorageFallback = undefined;
  }

  /** Whether it is a `0x` address (a contract's). */
  get isContract() {
    return /^0x[0-9a-fA-F]{40}$/.test(this.toString());
  }

  get encodedLength() {
    return this.toU8a().length;
  }

  get hash() {
    return this.registry.hash(this.toU8a());
  }

  get isEmpty() {
    return this.length === 0;
  }

  eq(other) {
    return this.toString() === String(other);
  }

  inspect() {
    return { outer: [this.toU8a()] };
  }

  toHex() {
    return `0x${Array.from(this.toU8a(true), (b) => b.toString(16).padStart(2, '0')).join('')}`;
  }

  toHuman() {
    return this.toString();
  }

  toJSON() {
    return this.toString();
  }

  toPrimitive() {
    return this.toString();
  }

  toRawType() {
    return 'Text';
  }

  toString() {
    return String.prototype.toString.call(this);
  }

  toU8a(isBare) {
    const bytes = new TextEncoder().encode(this.toString());
    return isBare ? bytes : Uint8Array.from([...compactLength(bytes.length), ...bytes]);
  }
}

/** An oplog entry's origin: a pallet's name (`Balances`) or a contract's `0x` address. */
export class OplogOrigin extends HexText {}

/** A release target: a built-in one's name (`Records`) or a contract target's `0x` alias. */
export class ReleaseTarget extends HexText {}

/** The types the methods return (JSON objects, decoded field by field). */
export const types = {
  OplogOrigin,
  ReleaseTarget,
  OplogHead: {
    nextIndex: 'u64',
    lowestRetained: 'u64',
    finalizedBlock: 'u32',
  },
  OplogEntry: {
    index: 'u64',
    block: 'u32',
    extrinsicIndex: 'u32',
    operator: 'AccountId',
    origin: 'OplogOrigin',
    dataId: 'Bytes',
    sourceState: 'Bytes',
    resultState: 'Bytes',
    opType: 'Text',
    timestampMs: 'u64',
  },
  OplogFilter: {
    origin: 'Option<OplogOrigin>',
    dataId: 'Option<Bytes>',
    dataIdPrefix: 'Option<Bytes>',
    opType: 'Option<Text>',
    operator: 'Option<AccountId>',
  },
  ReleaseRoute: {
    version: 'u16',
    release: 'Option<u32>',
    stage: 'Option<Text>',
    shareBp: 'Option<u16>',
    bucket: 'Option<u16>',
    code: 'Option<H160>',
  },
  MeteringUsage: {
    refTime: 'u64',
    length: 'u32',
    nodes: 'u32',
    storageAdded: 'u64',
    backupBytes: 'u64',
    backupByteDays: 'u64',
  },
  MeteringFee: {
    compute: 'Balance',
    network: 'Balance',
    storage: 'Balance',
    backup: 'Balance',
    backupTime: 'Balance',
    tip: 'Balance',
    total: 'Balance',
  },
  MeteringQuote: {
    usage: 'MeteringUsage',
    priceVersion: 'u32',
    fee: 'MeteringFee',
    mode: 'Text',
    dispatchOk: 'bool',
  },
  EpochValidators: {
    currentEpoch: 'u64',
    epochLength: 'u64',
    epoch: 'u64',
    validators: 'Option<Vec<H256>>',
  },
};

const filter = { name: 'filter', type: 'OplogFilter', isOptional: true };

/** The methods, by section (`oplog_head` is `rpc.oplog.head`). */
export const rpc = {
  oplog: {
    head: {
      description: 'The operation log at the finalized head: the next index, the lowest retained, the block.',
      params: [],
      type: 'OplogHead',
    },
    getLogs: {
      description: 'Up to `limit` (at most 1000) entries from `fromIndex` on, of finalized blocks, that match the filter.',
      params: [{ name: 'fromIndex', type: 'u64' }, { name: 'limit', type: 'u64' }, filter],
      type: 'Vec<OplogEntry>',
    },
    subscribeLogs: {
      description: 'Every new entry of finalized blocks that matches the filter, in order.',
      params: [filter],
      pubsub: ['logs', 'subscribeLogs', 'unsubscribeLogs'],
      type: 'OplogEntry',
    },
  },
  releases: {
    route: {
      description:
        'The logic version a call of `target` (Records, or a contract target\'s alias as 0x hex) in traffic class `class` (production, preReleaseTest, grayTest) about `dataId` would run (at the best block by default), with the release that routes it.',
      params: [
        { name: 'target', type: 'ReleaseTarget' },
        { name: 'class', type: 'Text' },
        { name: 'dataId', type: 'Bytes' },
        { name: 'at', type: 'Hash', isOptional: true },
      ],
      type: 'ReleaseRoute',
    },
  },
  metering: {
    quote: {
      description:
        'What a signed extrinsic (0x hex; the signature is not checked) would be charged at a block (default: the best): its resource vector, the price version, the fee per resource, the charging mode of its class.',
      params: [
        { name: 'extrinsic', type: 'Bytes' },
        { name: 'at', type: 'Hash', isOptional: true },
      ],
      type: 'MeteringQuote',
    },
  },
  accord: {
    validators: {
      description: 'The BFT validator set of an epoch (default: the current one); null without BFT consensus.',
      params: [{ name: 'epoch', type: 'u64', isOptional: true }],
      type: 'Option<EpochValidators>',
    },
    getFinalityCertificate: {
      description: "A block's finalization certificate (default: the finalized head's); null if there is none.",
      params: [{ name: 'blockHash', type: 'Hash', isOptional: true }],
      type: 'Option<Bytes>',
    },
  },
};

/** Both, for `ApiPromise.create({ ...definitions })`. */
export const definitions = { rpc, types };
