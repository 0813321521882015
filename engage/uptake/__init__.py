"""The provider's referral figures: imports, batches and uptake summaries."""
