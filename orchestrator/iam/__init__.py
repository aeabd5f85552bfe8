"""IAM policy documents the stacks attach and the local dashboard server enforces (one definition each)."""
