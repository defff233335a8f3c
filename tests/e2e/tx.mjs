// Sending transactions in the e2e tests: sign, submit, wait for inclusion.

// Signs and submits `tx` with `signer`; resolves with the block's events of the
// transaction (polkadot.js `Event`s) once it is in a block, rejects with the pallet error's
// name (e.g. `{"section":"alliances","name":"NotLeader",...}`) if its dispatch failed, or with
// the pool's reason if it was refused.
// polkadot.js fetches a block's events before it reports `inBlock`; when `finalized` arrives
// meanwhile (a loaded machine, short blocks) it may report only that: either one settles.
export function send(api, tx, signer) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, (result) => {
      if (result.status.isInBlock || result.status.isFinalized) {
        const failed = result.events.find(({ event }) => api.events.system.ExtrinsicFailed.is(event));
        if (failed) {
          const error = failed.event.data.dispatchError;
          reject(new Error(error.isModule ? JSON.stringify(api.registry.findMetaError(error.asModule)) : error.toString()));
        } else {
          resolve(result.events.map(({ event }) => event));
        }
      }
      if (result.status.isInvalid || result.status.isDropped || result.status.isUsurped) {
        reject(new Error(`transaction ${result.status.type}`));
      }
    }).catch(reject);
  });
}

// The first event of `kind` (e.g. `api.events.alliances.AllianceCreated`) among `events`.
export const find = (events, kind) => events.find((e) => kind.is(e));

// `section.method` of each event, for assertion messages.
export const names = (events) => events.map((e) => `${e.section}.${e.method}`);

// Passes `call` by a proposal of the development organization (`admin`, Alice on the dev chain,
// is its admin and the electorate is that one organization), executes it, and returns the
// execution's events; rejects with the call's error if it failed.
export async function govern(api, call, admin) {
  const proposed = find(await send(api, api.tx.governance.propose(1, call), admin), api.events.governance.Proposed);
  const id = proposed.data.proposal.toNumber();
  if (!find(await send(api, api.tx.governance.vote(id, 1, 'Aye'), admin), api.events.governance.Passed)) {
    throw new Error(`proposal ${id} did not pass on one vote`);
  }
  const events = await send(api, api.tx.governance.execute(id, call), admin);
  const executed = find(events, api.events.governance.Executed);
  if (executed.data.result.isErr) {
    const error = executed.data.result.asErr;
    throw new Error(error.isModule ? JSON.stringify(api.registry.findMetaError(error.asModule)) : error.toString());
  }
  return events;
}
