"""Reports for negotiators: what-if runs of a draft agreement on real shifts, and platforms' compliance."""
