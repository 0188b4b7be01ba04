"""Benchmarks of the shop against Telegram's limits and a bare aiogram bot; `python -m bench` runs them."""
