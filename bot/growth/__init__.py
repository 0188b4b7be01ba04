"""Growth tools: referral rewards and broadcasts."""
