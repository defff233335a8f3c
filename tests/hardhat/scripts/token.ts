// Deploys the Token contract to the `accord` network, transfers, and checks the receipt,
// its event, a revert reason and the balances: what a Hardhat user does first. Prints one
// JSON line with what it saw (the e2e test reads it).
import assert from "node:assert/strict";
import { network } from "hardhat";

const { ethers } = await network.create("accord");
const [deployer, receiver] = await ethers.getSigners();
const token = await ethers.deployContract("Token", [1_000_000n]);
await token.waitForDeployment();
const tx = await token.transfer(receiver.address, 250n);
const receipt = await tx.wait();
assert.equal(receipt?.status, 1);
const [event] = receipt!.logs.map((log) => token.interface.parseLog(log));
assert.equal(event?.name, "Transfer");
assert.equal(await token.balanceOf(receiver.address), 250n);
await assert.rejects(token.connect(receiver).transfer(deployer.address, 10_000n), /insufficient balance/);
console.log(
  JSON.stringify({
    token: await token.getAddress(),
    transfer: tx.hash,
    block: receipt!.blockNumber,
    gasUsed: receipt!.gasUsed.toString(),
    chainId: (await ethers.provider.getNetwork()).chainId.toString(),
  }),
);
