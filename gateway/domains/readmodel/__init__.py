"""The contract's read model: what a platform and a rider see of a contract, with its settlement, invoice, payout
and declaration. Above those domains; the contract's write side (`contracts`) is below them."""
