"""The wallet: the money type and credits."""
