"""Orders: placement, settlement, status polling, refills, cancellation and input validation."""
