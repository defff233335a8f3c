// A Hardhat 3 project against accord-node --dev: the only Accord-specific part is the
// `accord` network entry (its URL, and the well-known development mnemonic whose ten
// accounts --dev endows and admits). The compiler is the npm `solc` package (soljson), so
// nothing is downloaded.
import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";

const require = createRequire(import.meta.url);

export default defineConfig({
  plugins: [hardhatEthers],
  solidity: {
    version: "0.8.37",
    path: require.resolve("solc/soljson.js"),
    settings: { evmVersion: "prague", optimizer: { enabled: true, runs: 200 } },
  },
  networks: {
    accord: {
      type: "http",
      chainType: "l1",
      url: process.env.ACCORD_RPC_URL ?? "http://127.0.0.1:9944",
      accounts: { mnemonic: "test test test test test test test test test test test junk" },
    },
  },
});
